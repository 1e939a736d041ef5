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

/// <summary>A failure with a stable ErrorId (e.g. CriRuntimeUnavailable), a category and the failing item.</summary>
public class CriException : Exception
{
    public CriException(string errorId, CriErrorCategory category, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }
    public CriErrorCategory Category { get; }
    public object? Target { get; }

    /// <summary>True when nothing further can work through this endpoint (the cmdlet stops instead of going on).</summary>
    public bool IsEndpointFailure => Category is CriErrorCategory.ConnectionError or CriErrorCategory.PermissionDenied
        or CriErrorCategory.ProtocolError || ErrorId == "CriUnsupportedApiVersion";
}
