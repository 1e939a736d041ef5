using System.Net.Sockets;
using System.Text.Json;
using CriPS.Engine.Connection;
using DockerEndpoint = CriPS.Engine.Endpoints.Endpoint;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The five Docker Engine API calls a conversion makes (version, image and container lists, save, stop), over the
/// daemon's socket with System.Net.Http, which the gRPC channels have loaded already, and read with JsonDocument.
/// Docker.DotNet did this before; it brought its own HTTP stack and a reflection serializer over all of Docker's
/// models: 11 MiB more RSS for the survey's three reads in a pwsh that had made a CRI call already, and 5 MiB of
/// the conversion's peak (B4, the same node before and after), which must stay under 150 MiB. Requests carry no
/// API version, so any daemon answers in its own (a 20.10 daemon refuses newer ones).
/// </summary>
internal sealed class DockerEngine : IDisposable
{
    /// <summary>Docker's error replies are one short JSON message; more than this is not read.</summary>
    private const int ErrorBodyLimit = 64 << 10;

    private readonly DockerEndpoint _endpoint;
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    public DockerEngine(string endpoint, TimeSpan timeout)
    {
        _endpoint = DockerEndpoint.Parse(endpoint);
        _timeout = timeout;
        var handler = new SocketsHttpHandler { UseProxy = false, ConnectCallback = ConnectAsync };
        // Deadlines are per call (a linked token), so a save stream is not cut off after the timeout.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Endpoint => _endpoint.Address;

    public void Dispose() => _http.Dispose();

    public async Task<DockerSnapshot> SnapshotAsync(CancellationToken cancel)
    {
        using var version = await GetJsonAsync("version", "DockerVersion", cancel).ConfigureAwait(false);
        using var images = await GetJsonAsync("images/json", "DockerImageList", cancel).ConfigureAwait(false);
        using var containers = await GetJsonAsync("containers/json?all=1", "DockerContainerList", cancel).ConfigureAwait(false);
        return ReadSnapshot(version.RootElement, images.RootElement, containers.RootElement);
    }

    /// <summary>`docker save` of the named images as one stream (GET /images/get), read as it arrives.</summary>
    public async Task<Stream> SaveAsync(IReadOnlyList<string> names, CancellationToken cancel)
    {
        var query = string.Join("&", names.Select(n => "names=" + Uri.EscapeDataString(n)));
        var response = await SendAsync(HttpMethod.Get, "images/get?" + query, "DockerImageSave", _timeout, cancel).ConfigureAwait(false);
        // Disposing the stream closes the response; the caller reads it at its own pace, under its own stall guard.
        try
        {
            return await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task StopContainerAsync(string id, TimeSpan grace, CancellationToken cancel)
    {
        // 304 is "already stopped", which is what was asked for.
        using var response = await SendAsync(HttpMethod.Post, $"containers/{Uri.EscapeDataString(id)}/stop?t={(int)grace.TotalSeconds}",
            "DockerContainerStop", _timeout + grace, cancel, alsoFine: System.Net.HttpStatusCode.NotModified).ConfigureAwait(false);
    }

    /// <summary>The snapshot from the three replies: /version, /images/json and /containers/json?all=1.</summary>
    private const string PodNameLabel = "io.kubernetes.pod.name";

    internal static DockerSnapshot ReadSnapshot(JsonElement version, JsonElement images, JsonElement containers) => new()
    {
        Version = Text(version, "Version"),
        Images = Items(images).Select(i => new DockerImageFacts
        {
            Id = Text(i, "Id"),
            Size = i.TryGetProperty("Size", out var size) && size.TryGetInt64(out var bytes) ? bytes : 0,
            Tags = Strings(i, "RepoTags").Where(t => t != "<none>:<none>").ToList(),
        }).OrderBy(i => i.Tags.FirstOrDefault() ?? "~" + i.Id, StringComparer.Ordinal).ToList(),
        Containers = Items(containers).Select(c => new DockerContainerFacts
        {
            Id = Text(c, "Id"),
            Name = (Strings(c, "Names").FirstOrDefault() ?? Text(c, "Id")).TrimStart('/'),
            State = Text(c, "State"),
            MountSources = Items(c.TryGetProperty("Mounts", out var mounts) ? mounts : default)
                .Select(m => Text(m, "Source")).Where(s => s.Length > 0).ToList(),
            Kubernetes = c.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object && labels.TryGetProperty(PodNameLabel, out _),
        }).ToList(),
    };

    /// <summary>The message of a Docker error reply ({"message": "..."}), else the body as it is.</summary>
    internal static string ErrorMessage(string body)
    {
        try
        {
            using var reply = JsonDocument.Parse(body);
            if (reply.RootElement.ValueKind == JsonValueKind.Object && Text(reply.RootElement, "message") is { Length: > 0 } message)
                return message;
        }
        catch (JsonException)
        {
        }
        return body.Trim();
    }

    private static IEnumerable<JsonElement> Items(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static string Text(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()! : "";

    private static IEnumerable<string> Strings(JsonElement item, string name) =>
        Items(item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var list) ? list : default)
            .Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!);

    private async Task<JsonDocument> GetJsonAsync(string path, string operation, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(_timeout);
        using var response = await SendAsync(HttpMethod.Get, path, operation, _timeout, cancel).ConfigureAwait(false);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            return await JsonDocument.ParseAsync(body, default, deadline.Token).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new CriException(operation + "Failed", CriErrorCategory.InvalidData, $"Docker's answer to {operation} is not JSON: {e.Message}", Endpoint, e);
        }
        catch (Exception e) when (Translate(e, operation, deadline, cancel) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Sends one request and waits for its headers within the deadline; a refusal is an error with Docker's message.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string operation, TimeSpan timeout,
        CancellationToken cancel, System.Net.HttpStatusCode? alsoFine = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(new HttpRequestMessage(method, path), HttpCompletionOption.ResponseHeadersRead, deadline.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, operation, deadline, cancel) is { } translated)
        {
            throw translated;
        }
        if (response.IsSuccessStatusCode || response.StatusCode == alsoFine)
            return response;
        using (response)
        {
            var body = "";
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                var buffer = new byte[ErrorBodyLimit];
                var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, false, deadline.Token).ConfigureAwait(false);
                body = System.Text.Encoding.UTF8.GetString(buffer, 0, read);
            }
            catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !cancel.IsCancellationRequested)
            {
                // The status says enough.
            }
            throw new CriException(operation + "Failed", CriErrorCategory.InvalidOperation,
                $"Docker refused {operation} ({(int)response.StatusCode}): {ErrorMessage(body)}", Endpoint);
        }
    }

    /// <summary>A failed exchange as the error a user can act on; the caller's own cancellation passes through.</summary>
    private CriException? Translate(Exception e, string operation, CancellationTokenSource deadline, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested)
            return null;
        if (e is OperationCanceledException && deadline.IsCancellationRequested)
            return new CriException("CriTimeout", CriErrorCategory.OperationTimeout, $"Docker did not answer {operation} in time on {Endpoint}.", Endpoint, e);
        if (e is HttpRequestException or IOException or SocketException)
            return new CriException("DockerUnavailable", CriErrorCategory.ConnectionError,
                $"Docker does not answer on {Endpoint}: {e.Message}", Endpoint, e);
        return null;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancel) =>
        new NetworkStream(await EndpointSocket.ConnectAsync(_endpoint, cancel).ConfigureAwait(false), ownsSocket: true);
}
