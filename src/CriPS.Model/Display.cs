using System.Globalization;

namespace CriPS;

/// <summary>The short forms the default views show, shared by all of them (and usable in your own views).</summary>
public static class Display
{
    /// <summary>Bytes in decimal units, as crictl prints them: 1.09MB.</summary>
    public static string Bytes(double bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        var unit = 0;
        while (bytes >= 1000 && unit < units.Length - 1)
        {
            bytes /= 1000;
            unit++;
        }
        return bytes.ToString("0.##", CultureInfo.InvariantCulture) + units[unit];
    }

    /// <summary>How long ago, as crictl prints it: 42s ago, 5m ago, 3h ago, 2d ago.</summary>
    public static string Age(DateTime when, DateTime now)
    {
        var age = now.ToUniversalTime() - when.ToUniversalTime();
        return age.TotalMinutes < 1 ? $"{Math.Max(0, (int)age.TotalSeconds)}s ago"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes}m ago"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours}h ago"
            : $"{(int)age.TotalDays}d ago";
    }

    public static string Age(DateTime when) => Age(when, DateTime.UtcNow);

    /// <summary>The first 13 characters of an id, as crictl shows ids; a sha256: prefix is dropped first.</summary>
    public static string ShortId(string? id)
    {
        var value = id ?? "";
        if (value.StartsWith("sha256:", StringComparison.Ordinal))
            value = value[7..];
        return value.Length > 13 ? value[..13] : value;
    }
}
