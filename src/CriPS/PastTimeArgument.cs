using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace CriPS;

/// <summary>
/// Lets a DateTime parameter also take "that long ago": a TimeSpan (New-TimeSpan -Minutes 10) or a duration as
/// kubectl and Go write it (10m, 1h30m, 2d, 500ms). Anything else is left to PowerShell's DateTime conversion.
/// A bare number is refused: PowerShell would read it as ticks, a date in the year 1.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed partial class PastTimeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            TimeSpan span => DateTime.UtcNow - span,
            string text when TryParseDuration(text, out var span) => DateTime.UtcNow - span,
            int or long or double or decimal or float => throw new ArgumentTransformationMetadataException(
                $"'{value}' is neither a time nor a duration: give a date (Get-Date).AddMinutes(-10), a TimeSpan, or a duration such as 10m, 2h or 1h30m."),
            _ => inputData,
        };
    }

    /// <summary>One or more number-unit pairs: ms, s, m, h, d.</summary>
    public static bool TryParseDuration(string text, out TimeSpan span)
    {
        span = TimeSpan.Zero;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success)
            return false;
        var captures = match.Groups["n"].Captures;
        var units = match.Groups["u"].Captures;
        for (var i = 0; i < captures.Count; i++)
        {
            var n = double.Parse(captures[i].Value, CultureInfo.InvariantCulture);
            span += units[i].Value.ToLowerInvariant() switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }
        return true;
    }

    [GeneratedRegex(@"^(?:(?<n>\d+(?:\.\d+)?)(?<u>ms|s|m|h|d))+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
