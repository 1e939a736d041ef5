using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Owner and mode of a file. .NET reads the mode but not the owner, so the owner comes from statx(2), whose
/// layout (unlike struct stat's) is the same on every architecture.
/// </summary>
internal readonly record struct UnixFileFacts(UnixFileMode Mode, uint Uid, uint Gid)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    public static UnixFileFacts Of(string path)
    {
        var buffer = new byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            throw new IOException($"statx {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        var uid = BitConverter.ToUInt32(buffer, 20);
        var gid = BitConverter.ToUInt32(buffer, 24);
        var mode = BitConverter.ToUInt16(buffer, 28) & 0xfff; // permission and set-id bits only
        return new UnixFileFacts((UnixFileMode)mode, uid, gid);
    }

    /// <summary>Gives an open file this owner and mode (fchown, then fchmod: a chown clears set-id bits).</summary>
    public void ApplyTo(SafeFileHandle handle)
    {
        if (fchown((int)handle.DangerousGetHandle(), Uid, Gid) != 0)
            throw new IOException($"fchown: {Marshal.GetLastPInvokeErrorMessage()}");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(handle, Mode);
    }

    public string ModeText => Convert.ToString((int)Mode, 8).PadLeft(4, '0');

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int fchown(int fd, uint owner, uint group);
}
