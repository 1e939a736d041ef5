namespace CriPS.Tests.Conversion;

/// <summary>One request the stand-in API server received, as the client sent it.</summary>
internal sealed record RecordedRequest(string Method, string Url, string? ContentType, string Body)
{
    public override string ToString() => Body.Length == 0 ? $"{Method} {Url}" : $"{Method} {Url} {Body}";
}
