namespace CriPS;

/// <summary>
/// Why a call failed, named so the cmdlets can turn it into an ErrorRecord without knowing gRPC.
/// The names match System.Management.Automation.ErrorCategory, which this assembly cannot reference.
/// </summary>
public enum CriErrorCategory
{
    NotSpecified,
    ConnectionError,
    OperationTimeout,
    ObjectNotFound,
    PermissionDenied,
    InvalidArgument,
    ResourceExists,
    InvalidOperation,
    NotImplemented,
    ProtocolError,
    OperationStopped,
    ResourceUnavailable,
    InvalidData,
    LimitsExceeded,
    AuthenticationError,
    ReadError,
    InvalidResult,
    WriteError,
}

/// <summary>
/// A failure with a stable ErrorId (e.g. CriRuntimeUnavailable), a category and the failing item. It crosses the
/// module's boundary (catch blocks, $Error, transcripts, remoting), so it carries only text and CriPS's or plain
/// .NET types: the message with recognisable secrets taken out, the transport's status as <see cref="StatusCode"/>,
/// and a cause reduced by <see cref="CriCauseException.From"/> (never a gRPC or Kubernetes client exception, which
/// hold requests with their credentials and types of the engine's own load context).
/// </summary>
public class CriException : Exception
{
    private readonly string? _statusCode;
    private readonly string? _statusDetail;

    public CriException(string errorId, CriErrorCategory category, string message, object? target = null, Exception? inner = null)
        : base(SecretText.Redact(message), CriCauseException.From(inner))
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }
    public CriErrorCategory Category { get; }
    public object? Target { get; }

    /// <summary>
    /// The status the runtime or server answered with: the gRPC status name (NotFound, Unavailable) or the HTTP
    /// status code ("403"); null when none came. A CriException that wraps another passes the inner one's on.
    /// </summary>
    public string? StatusCode
    {
        get => _statusCode ?? (InnerException as CriException)?.StatusCode;
        init => _statusCode = value;
    }

    /// <summary>The runtime's or server's own words with that status (gRPC status detail, Kubernetes Status message).</summary>
    public string? StatusDetail
    {
        get => _statusDetail ?? (InnerException as CriException)?.StatusDetail;
        init => _statusDetail = value is null ? null : SecretText.Redact(value);
    }

    /// <summary>True when nothing further can work through this endpoint (the cmdlet stops instead of going on).</summary>
    public bool IsEndpointFailure => Category is CriErrorCategory.ConnectionError or CriErrorCategory.PermissionDenied
        or CriErrorCategory.ProtocolError || ErrorId == "CriUnsupportedApiVersion";
}
