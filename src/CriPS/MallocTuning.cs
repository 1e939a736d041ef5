using System.Runtime.InteropServices;

namespace CriPS;

/// <summary>
/// Keeps glibc's malloc from holding on to memory the session no longer uses. glibc gives each thread that
/// allocates natively (the JIT's tiering thread, OpenSSL, socket threads) an arena of its own, up to 8 per
/// core, and raises its trim threshold after each large free, so freed memory stays resident. On a node
/// conversion that was 15-30 MiB of resident memory (measured stage by stage, see bench/NodeBenchmarks.ps1):
/// two arenas for new threads and a fixed 128 KiB trim threshold give it back. Settings the user made through
/// glibc's own environment variables win; on musl and other C libraries nothing is called.
/// </summary>
internal static class MallocTuning
{
    // glibc's malloc.h
    private const int MArenaMax = -8;
    private const int MTrimThreshold = -1;

    private const int Arenas = 2;
    private const int TrimThreshold = 128 << 10;

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null)
                _ = Mallopt(MArenaMax, Arenas);
            if (Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is null)
                _ = Mallopt(MTrimThreshold, TrimThreshold);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: nothing to cap.
        }
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);
}
