namespace CriPS.Engine.Conversion;

/// <summary>
/// Services, driven through the `systemctl` found on PATH with an argument list (never a shell string), so a node
/// without systemd, or a test, can put its own in front. Every call has a deadline and honours cancellation.
/// </summary>
internal sealed class Systemctl(TimeSpan timeout, Action<string>? log = null)
{
    public const string Command = "systemctl";

    public async Task<ProgramResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancel)
    {
        var line = Command + " " + string.Join(' ', arguments);
        log?.Invoke(line);
        try
        {
            return await Executables.RunAsync(Command, arguments, timeout, cancel).ConfigureAwait(false)
                ?? throw new CriException("ConversionSystemctlNotFound", CriErrorCategory.ObjectNotFound,
                    $"'{Command}' could not be run (it is not on PATH?); services cannot be stopped or started.", Command);
        }
        catch (TimeoutException e)
        {
            throw new CriException("CriTimeout", CriErrorCategory.OperationTimeout, e.Message, line, e);
        }
    }

    /// <summary>Runs a service action; a non-zero exit is a ConversionServiceFailed error naming the unit.</summary>
    public async Task ActAsync(CancellationToken cancel, params string[] arguments)
    {
        var result = await RunAsync(arguments, cancel).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new CriException("ConversionServiceFailed", CriErrorCategory.InvalidOperation,
                $"'{Command} {string.Join(' ', arguments)}' failed with exit code {result.ExitCode}: {Last(result.Error, result.Output)}",
                arguments.Length > 0 ? arguments[^1] : Command);
    }

    public async Task<bool> IsActiveAsync(string unit, CancellationToken cancel) =>
        (await RunAsync(["is-active", unit], cancel).ConfigureAwait(false)).ExitCode == 0;

    public async Task<bool> IsEnabledAsync(string unit, CancellationToken cancel) =>
        (await RunAsync(["is-enabled", unit], cancel).ConfigureAwait(false)).ExitCode == 0;

    private static string Last(string error, string output) => (error.Length > 0 ? error : output) is { Length: > 0 } s ? s : "(no message)";
}

