namespace CriPS.Engine.Archives;

/// <summary>Digests as the OCI spec writes them: sha256: and lower-case hex.</summary>
internal static class Sha256Digest
{
    public static string Format(byte[] hash) => "sha256:" + Convert.ToHexString(hash).ToLowerInvariant();
}
