using System.Globalization;
using System.Text.RegularExpressions;

namespace CriPS.Engine.Conversion;

/// <summary>Docker's log max-size as a kubelet containerLogMaxSize.</summary>
internal static partial class DockerLogSize
{
    private static readonly (string Suffix, long Factor)[] DecimalSuffixes =
        [("E", 1_000_000_000_000_000_000), ("P", 1_000_000_000_000_000), ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)];

    /// <summary>
    /// Reads <paramref name="dockerSize"/> as Docker does (go-units FromHumanSize: a decimal number, an optional
    /// blank, an optional k/m/g/t/p in any case, an optional i and b; always powers of 1000, the fraction of a byte
    /// dropped) and writes the same number of bytes as a Kubernetes quantity with the largest exact decimal suffix.
    /// The suffix must change case: "10m" as a quantity is 10 milli-bytes, "10M" ten million bytes.
    /// </summary>
    /// <returns>The quantity, or null when Docker would not accept the size (also zero, which dockerd refuses).</returns>
    public static string? ToKubeletQuantity(string dockerSize)
    {
        var match = HumanSize().Match(dockerSize);
        if (!match.Success || !double.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            return null;
        var factor = match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "k" => 1e3,
            "m" => 1e6,
            "g" => 1e9,
            "t" => 1e12,
            "p" => 1e15,
            _ => 1d,
        };
        var bytes = number * factor;
        if (bytes < 1 || bytes >= long.MaxValue)
            return null;
        var whole = (long)bytes;
        foreach (var (suffix, size) in DecimalSuffixes)
        {
            if (whole % size == 0)
                return (whole / size).ToString(CultureInfo.InvariantCulture) + suffix;
        }
        return whole.ToString(CultureInfo.InvariantCulture);
    }

    // go-units' own pattern; "1.2.3" matches it but then fails to parse as a number, as in Go.
    [GeneratedRegex(@"^(?<number>\d+(\.\d+)*) ?(?<unit>[kmgtp])?i?b?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HumanSize();
}
