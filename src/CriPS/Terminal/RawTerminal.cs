using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CriPS.Terminal;

/// <summary>
/// The console as a raw terminal for the length of an interactive session: every key goes through as typed (Ctrl+C
/// too, to the process in the container, not to pwsh), nothing is echoed locally, output is written as it comes.
/// Disposing restores the settings the console had. Linux only: it uses the terminal's own calls (termios, poll,
/// TIOCGWINSZ) because .NET's Console has no raw mode and its stdin stream cannot be read without blocking a thread
/// that would then eat the next key typed at the pwsh prompt.
/// </summary>
internal sealed class RawTerminal : IDisposable
{
    private const int StdinFd = 0;
    private const int StdoutFd = 1;
    /// <summary>glibc's struct termios is 60 bytes; the buffer is opaque to us, only the C library reads it.</summary>
    private const int TermiosBytes = 256;
    private const int TcsaNow = 0;
    private const short PollIn = 1;
    private const ulong TiocGWinSz = 0x5413;
    private const int EIntr = 4;
    /// <summary>How often a wait for a key looks at its cancellation.</summary>
    private const int PollMilliseconds = 50;

    private readonly byte[] _saved = new byte[TermiosBytes];
    private bool _restored;

    private RawTerminal()
    {
        if (tcgetattr(StdinFd, _saved) != 0)
            throw new Win32Exception(Marshal.GetLastWin32Error());
        var raw = (byte[])_saved.Clone();
        cfmakeraw(raw);
        if (tcsetattr(StdinFd, TcsaNow, raw) != 0)
            throw new Win32Exception(Marshal.GetLastWin32Error());
    }

    /// <summary>True when both stdin and stdout are a terminal (not redirected, not a remoting host).</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux() && isatty(StdinFd) == 1 && isatty(StdoutFd) == 1;

    public static RawTerminal Enter() => new();

    /// <summary>The window's size in columns and rows, as the terminal reports it now.</summary>
    public static (int Columns, int Rows) Size() =>
        ioctl(StdoutFd, TiocGWinSz, out var size) == 0 && size.Columns > 0 ? (size.Columns, size.Rows) : (80, 24);

    /// <summary>
    /// Waits for what is typed and returns it (at most the buffer); 0 only when <paramref name="cancel"/> fires.
    /// Polls so that a cancelled session leaves no read pending on the console.
    /// </summary>
    public static int Read(byte[] buffer, CancellationToken cancel)
    {
        var fds = new PollFd { Fd = StdinFd, Events = PollIn };
        while (!cancel.IsCancellationRequested)
        {
            var ready = poll(ref fds, 1, PollMilliseconds);
            if (ready < 0 && Marshal.GetLastWin32Error() != EIntr)
                throw new Win32Exception(Marshal.GetLastWin32Error());
            if (ready <= 0)
                continue;
            var n = read(StdinFd, buffer, buffer.Length);
            if (n > 0)
                return (int)n;
            if (n == 0)
                throw new EndOfStreamException("The terminal closed.");
            if (Marshal.GetLastWin32Error() != EIntr)
                throw new Win32Exception(Marshal.GetLastWin32Error());
        }
        return 0;
    }

    public void Dispose()
    {
        if (_restored)
            return;
        _restored = true;
        tcsetattr(StdinFd, TcsaNow, _saved);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int isatty(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcgetattr(int fd, byte[] termios);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

    [DllImport("libc")]
    private static extern void cfmakeraw(byte[] termios);

    [DllImport("libc", SetLastError = true)]
    private static extern int poll(ref PollFd fds, ulong count, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, out WinSize size);
}
