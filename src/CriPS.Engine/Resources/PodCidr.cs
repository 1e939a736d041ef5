using System.Net;

namespace CriPS.Engine.Resources;

/// <summary>The node's pod CIDRs as UpdateRuntimeConfig carries them: one, or an IPv4 and an IPv6 one, comma-separated.</summary>
public static class PodCidr
{
    /// <summary>Checks each CIDR (address/prefix, prefix within the family's length) and joins them as the kubelet does.</summary>
    public static string Join(IReadOnlyList<string> cidrs)
    {
        if (cidrs.Count == 0)
            throw new CriException("CriInvalidPodCidr", CriErrorCategory.InvalidArgument, "Give at least one pod CIDR, e.g. 10.244.1.0/24.", null);
        var families = new HashSet<System.Net.Sockets.AddressFamily>();
        var parts = new List<string>();
        foreach (var raw in cidrs)
        {
            // One parameter value may itself hold the comma-separated form crictl takes.
            foreach (var part in raw.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!TryParse(part, out var network))
                    throw new CriException("CriInvalidPodCidr", CriErrorCategory.InvalidArgument,
                        $"'{part}' is not a CIDR: expected an IPv4 or IPv6 address and a prefix length, e.g. 10.244.1.0/24 or fd00:10:244:1::/64.", part);
                if (!families.Add(network.BaseAddress.AddressFamily))
                    throw new CriException("CriInvalidPodCidr", CriErrorCategory.InvalidArgument,
                        $"'{part}' is a second {(network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "IPv4" : "IPv6")} pod CIDR: a node has at most one of each family.", part);
                parts.Add(part);
            }
        }
        return string.Join(',', parts);
    }

    /// <summary>Address/prefix with nothing else; host bits may be set, as Go's net.ParseCIDR (which containerd uses) allows.</summary>
    internal static bool TryParse(string text, out IPNetwork network)
    {
        network = default;
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1 || text.AsSpan(slash + 1).ContainsAnyExcept("0123456789"))
            return false;
        // IPAddress.TryParse takes forms Go refuses (a zone "%eth0", "10.1", hex); only plain dotted quads and IPv6 text pass.
        var address = text[..slash];
        if (address.Contains('%') || !IPAddress.TryParse(address, out var ip))
            return false;
        if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && address.Split('.').Length != 4)
            return false;
        if (!int.TryParse(text.AsSpan(slash + 1), out var prefix) || text.Length - slash - 1 > 3)
            return false;
        var bits = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits)
            return false;
        network = new IPNetwork(MaskTo(ip, prefix), prefix);
        return true;
    }

    private static IPAddress MaskTo(IPAddress ip, int prefix)
    {
        var bytes = ip.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}
