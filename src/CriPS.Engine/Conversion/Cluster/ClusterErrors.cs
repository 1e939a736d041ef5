using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Turns what KubernetesClient throws into CriExceptions with the conversion's stable ids. Every message passes
/// through <see cref="Scrub"/>: the kubeconfig's token, password and client key never reach a user, even if a
/// server or a library were to echo one back.
/// </summary>
internal sealed class ClusterErrors
{
    private readonly string apiServer;
    private readonly string[] secrets;

    public ClusterErrors(KubernetesClientConfiguration config)
    {
        apiServer = WithoutUserInfo(config.Host);
        secrets = new[] { config.AccessToken, config.Password, config.ClientCertificateKeyData }
            .Where(s => !string.IsNullOrEmpty(s) && s.Length >= 4).Select(s => s!).ToArray();
    }

    public string ApiServer => apiServer;

    public string Scrub(string text) =>
        secrets.Aggregate(text, (current, secret) => current.Replace(secret, "***", StringComparison.Ordinal));

    /// <summary>The exception for a failed call; <paramref name="action"/> says what was tried ("read node 'n1'").</summary>
    public Exception Translate(Exception error, string action, object? target, CancellationToken cancel)
    {
        switch (error)
        {
            case CriException:
                return error;
            case OperationCanceledException when cancel.IsCancellationRequested:
                return error;
            case OperationCanceledException:
                // HttpClient's own timeout, not the caller's cancellation.
                return Failure("ConversionClusterUnavailable", CriErrorCategory.ConnectionError,
                    $"The Kubernetes API server {apiServer} did not answer in time to {action}.", target, error);
            case HttpOperationException http when http.Response?.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return Failure("ConversionClusterForbidden", CriErrorCategory.PermissionDenied,
                    $"The Kubernetes API server {apiServer} refused to {action} ({Describe(http)}). " +
                    "Check the kubeconfig's credentials and that they may patch nodes, list pods and create pods/eviction.", target, error);
            case HttpOperationException http when http.Response is null || (int)http.Response.StatusCode >= 500
                                                  || http.Response.StatusCode == HttpStatusCode.TooManyRequests:
                return Failure("ConversionClusterUnavailable", CriErrorCategory.ConnectionError,
                    $"The Kubernetes API server {apiServer} could not {action} ({Describe(http)}).", target, error);
            case HttpOperationException http:
                return Failure("ConversionClusterRequestFailed", CriErrorCategory.InvalidOperation,
                    $"The Kubernetes API server {apiServer} rejected the request to {action} ({Describe(http)}).", target, error);
            case HttpRequestException or IOException:
                return Failure("ConversionClusterUnavailable", CriErrorCategory.ConnectionError,
                    $"Cannot reach the Kubernetes API server {apiServer} to {action}: {error.Message}", target, error);
            default:
                return error;
        }
    }

    /// <summary>
    /// A failed call as a CriException: the HTTP status code as StatusCode and the server's Status message as
    /// StatusDetail. The cause is kept as its type and scrubbed message only: an HttpOperationException's Request
    /// holds the Authorization header, its Response the server's whole answer.
    /// </summary>
    public CriException Failure(string errorId, CriErrorCategory category, string message, object? target, Exception error)
    {
        var http = error as HttpOperationException;
        return new CriException(errorId, category, Scrub(message), target, CriCauseException.From(error, Scrub))
        {
            StatusCode = http?.Response is { } response ? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) : null,
            StatusDetail = http is not null && StatusMessage(http) is { } detail ? Scrub(detail) : null,
        };
    }


    /// <summary>"HTTP 403 Forbidden: nodes "n1" is forbidden: ..." with the message of the server's Status object, when it sent one.</summary>
    public static string Describe(HttpOperationException http)
    {
        var code = http.Response is { } response ? $"HTTP {(int)response.StatusCode} {response.StatusCode}" : "no answer";
        return StatusMessage(http) is { Length: > 0 } message ? $"{code}: {message}" : code;
    }

    /// <summary>The "message" of a Kubernetes Status answer; null when the body is not one.</summary>
    public static string? StatusMessage(HttpOperationException http)
    {
        var content = http.Response?.Content;
        if (string.IsNullOrWhiteSpace(content))
            return null;
        try
        {
            using var doc = JsonDocument.Parse(content);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Why the server refused an eviction: the causes of its Status ("The disruption budget web needs 2 healthy pods
    /// and has 2 currently"), else its message, else the status code.
    /// </summary>
    public static string RefusalReason(HttpOperationException http)
    {
        try
        {
            using var doc = JsonDocument.Parse(http.Response?.Content ?? "");
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("causes", out var causes) && causes.ValueKind == JsonValueKind.Array)
            {
                var messages = causes.EnumerateArray()
                    .Where(c => c.ValueKind == JsonValueKind.Object && c.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    .Select(c => c.GetProperty("message").GetString()!).Where(m => m.Length > 0).ToList();
                if (messages.Count > 0)
                    return string.Join("; ", messages);
            }
        }
        catch (JsonException)
        {
            // Not a Status object: fall back to the code below.
        }
        return StatusMessage(http) ?? Describe(http);
    }

    public static bool IsStatus(Exception error, HttpStatusCode code) =>
        error is HttpOperationException { Response: { } response } && response.StatusCode == code;

    private static string WithoutUserInfo(string? host) =>
        Uri.TryCreate(host, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : host ?? "(no server)";
}
