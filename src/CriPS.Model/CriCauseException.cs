namespace CriPS;

/// <summary>
/// The cause of a <see cref="CriException"/>, kept as text: the original exception's type name, its message with
/// recognisable secrets taken out, and its stack trace. The original object is not kept: a transport's exception
/// holds its request (the Kubernetes client's keeps the Authorization header) and is of a type from the engine's
/// own load context, which neither a catch block nor a remoting client can name.
/// </summary>
public sealed class CriCauseException : Exception
{
    public CriCauseException(string originalType, string message, string? originalStackTrace = null, Exception? inner = null)
        : base(SecretText.Redact(message), From(inner))
    {
        OriginalType = originalType;
        OriginalStackTrace = originalStackTrace;
    }

    /// <summary>The full name of the exception type that was reduced to this one, e.g. Grpc.Core.RpcException.</summary>
    public string OriginalType { get; }

    public string? OriginalStackTrace { get; }

    /// <summary>Where the original was thrown, so ToString() still shows it.</summary>
    public override string? StackTrace => OriginalStackTrace;

    /// <summary>
    /// What a CriException may keep as its cause: CriPS's own exceptions and plain .NET ones (those of the runtime's
    /// own assemblies, with nothing in Data, a message with no recognisable secret, and causes of the same kind) as they
    /// are; anything else reduced to a CriCauseException, down the whole chain. <paramref name="scrub"/> takes out
    /// secrets the caller knows exactly (a kubeconfig's token) at every level; a message it changes is reduced too.
    /// </summary>
    public static Exception? From(Exception? e, Func<string, string>? scrub = null) => e switch
    {
        null => null,
        CriException or CriCauseException => e,
        _ when IsPlainDotNet(e, scrub) => e,
        _ => new CriCauseException(e.GetType().FullName ?? e.GetType().Name, scrub is null ? e.Message : scrub(e.Message), e.StackTrace,
            From(e.InnerException, scrub)),
    };

    private static bool IsPlainDotNet(Exception e, Func<string, string>? scrub)
    {
        var type = e.GetType();
        return (type.Namespace is "System" || type.Namespace?.StartsWith("System.", StringComparison.Ordinal) == true)
            && FromTheRuntime(type)
            && e is not AggregateException // its other causes would escape the check below
            && e.Data.Count == 0
            && SecretText.Redact(e.Message) == e.Message
            && (scrub is null || scrub(e.Message) == e.Message)
            && (e.InnerException is null || IsPlainDotNet(e.InnerException, scrub));
    }

    // The shared framework's directory: a type named System.* from anywhere else (PowerShell's, a library's) does not count.
    private static readonly string? RuntimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location);

    private static bool FromTheRuntime(Type type) =>
        RuntimeDirectory is { Length: > 0 } && string.Equals(Path.GetDirectoryName(type.Assembly.Location), RuntimeDirectory, StringComparison.Ordinal);
}
