using System.Globalization;

namespace CriPS.Engine.Conversion;

/// <summary>Docker's default-ulimits as systemd Limit*= directives for containerd.service.</summary>
internal static class DockerUlimits
{
    // The limits container workloads commonly need, whose numbers mean the same to Docker and to systemd. The rest
    // (cpu, rttime, nice, rtprio, stack, ...) are reported instead: systemd reads units and signs of its own there,
    // and a limit on containerd.service also binds containerd itself, so a person should decide.
    private static readonly Dictionary<string, string> Directives = new(StringComparer.Ordinal)
    {
        ["nofile"] = "LimitNOFILE",
        ["nproc"] = "LimitNPROC",
        ["core"] = "LimitCORE",
        ["memlock"] = "LimitMEMLOCK",
    };

    /// <summary>
    /// One "LimitNOFILE=soft:hard" per translatable ulimit (-1, Docker's unlimited, becomes systemd's infinity),
    /// in name order; the others as "name=soft:hard", Docker's own --default-ulimit spelling.
    /// </summary>
    public static (IReadOnlyList<string> Directives, IReadOnlyList<string> Untranslatable) ToSystemdDirectives(
        IReadOnlyDictionary<string, (long Soft, long Hard)> ulimits)
    {
        var directives = new List<string>();
        var untranslatable = new List<string>();
        foreach (var (name, (soft, hard)) in ulimits.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (Directives.TryGetValue(name, out var directive))
                directives.Add($"{directive}={Limit(soft)}:{Limit(hard)}");
            else
                untranslatable.Add($"{name}={soft.ToString(CultureInfo.InvariantCulture)}:{hard.ToString(CultureInfo.InvariantCulture)}");
        }
        return (directives, untranslatable);
    }

    private static string Limit(long value) => value < 0 ? "infinity" : value.ToString(CultureInfo.InvariantCulture);
}
