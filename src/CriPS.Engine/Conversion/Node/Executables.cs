using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CriPS.Engine.Conversion;

/// <summary>Programs the conversion looks for or asks for their version, found on PATH like a shell would.</summary>
internal static partial class Executables
{
    public static string? Find(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && !OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }

    /// <summary>The first x.y.z in what `NAME ARGS` prints, or null when it is not there or does not run in time.</summary>
    public static async Task<Version?> VersionOfAsync(string name, string[] arguments, TimeSpan timeout, CancellationToken cancel)
    {
        if (Find(name) is not { } path)
            return null;
        try
        {
            return await RunAsync(path, arguments, timeout, cancel).ConfigureAwait(false) is { } result ? ParseVersion(result.Output) : null;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs a program (a path, or a name looked up on PATH) with an argument list, never a shell string, and reads
    /// its output. Null when it cannot be started. Past the deadline it is killed and a TimeoutException is thrown;
    /// Ctrl+C kills it too.
    /// </summary>
    public static async Task<ProgramResult?> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        if (started is null)
            return null;
        using var process = started;
        var output = process.StandardOutput.ReadToEndAsync(cancel);
        var error = process.StandardError.ReadToEndAsync(cancel);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancel.IsCancellationRequested)
                throw;
            throw new TimeoutException($"'{program} {string.Join(' ', arguments)}' did not finish within {timeout.TotalSeconds:0} s.");
        }
        return new ProgramResult(process.ExitCode, (await output.ConfigureAwait(false)).Trim(), (await error.ConfigureAwait(false)).Trim());
    }

    public static Version? ParseVersion(string text) =>
        VersionPattern().Match(text) is { Success: true } m ? new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)) : null;

    [GeneratedRegex(@"v?(\d+)\.(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}
