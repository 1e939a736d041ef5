using System.Runtime.InteropServices;
using CriPS.Engine.Streaming;

namespace CriPS.Terminal;

/// <summary>
/// Joins the console to a process in a container for an interactive session: keys in, output out, the window's
/// size at the start and after every resize, until the process ends.
/// </summary>
internal static class TerminalSession
{
    public static async Task<int?> RunAsync(RemoteProcess process, CancellationToken cancel)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("An interactive session needs a Linux terminal.");
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var resized = new SemaphoreSlim(1); // the first pass sends the size the session starts with
        using var terminal = RawTerminal.Enter();
        using var winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => resized.Release());
        var keys = Task.Factory.StartNew(() => SendKeysAsync(process, session.Token), session.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        var sizes = SendSizesAsync(process, resized, session.Token);
        await using var screen = Console.OpenStandardOutput();
        try
        {
            return await process.ReadOutputAsync(async (_, data) =>
            {
                await screen.WriteAsync(data, session.Token).ConfigureAwait(false);
                await screen.FlushAsync(session.Token).ConfigureAwait(false);
            }, session.Token).ConfigureAwait(false);
        }
        finally
        {
            session.Cancel();
            // Both loops end within one poll interval; what they failed with matters no more once the output ended.
            await Task.WhenAll(keys, sizes).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>On a thread of its own: the console is polled, never read with a pending read left behind.</summary>
    private static async Task SendKeysAsync(RemoteProcess process, CancellationToken cancel)
    {
        var buffer = new byte[4096];
        while (RawTerminal.Read(buffer, cancel) is var n and > 0)
            await process.WriteInputAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
    }

    private static async Task SendSizesAsync(RemoteProcess process, SemaphoreSlim resized, CancellationToken cancel)
    {
        while (true)
        {
            await resized.WaitAsync(cancel).ConfigureAwait(false);
            var (columns, rows) = RawTerminal.Size();
            await process.ResizeAsync(columns, rows, cancel).ConfigureAwait(false);
        }
    }
}
