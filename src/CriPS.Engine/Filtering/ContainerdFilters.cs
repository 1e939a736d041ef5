using CriPS.Engine.Images;

namespace CriPS.Engine.Filtering;

/// <summary>
/// Client-side filters of containerd's listings, after the daemon applied its own filter syntax; in the order
/// the cmdlets show them.
/// </summary>
internal static class ContainerdFilters
{
    public static List<ContainerdNamespace> Namespaces(IEnumerable<ContainerdNamespace> namespaces, ContainerdNamespaceQuery q) =>
        namespaces.Where(n => Wildcard.AnyMatch(q.Name, n.Name)).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();

    public static List<ContainerdImage> Images(IEnumerable<ContainerdImage> images, ContainerdImageQuery q) =>
        images.Where(i => Wildcard.AnyMatch(q.Name, i.Name)).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();

    /// <summary>Newest first.</summary>
    public static List<ContainerdContainer> Containers(IEnumerable<ContainerdContainer> containers, ContainerdContainerQuery q) =>
        containers.Where(c => Wildcard.AnyMatch(q.Id, c.Id) && Wildcard.AnyMatch(q.Image, c.Image)
                && q.Label.All(l => c.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .OrderByDescending(c => c.CreatedAt).ToList();

    public static List<ContainerdTask> Tasks(IEnumerable<ContainerdTask> tasks, ContainerdTaskQuery q) =>
        tasks.Where(t => Wildcard.AnyMatch(q.ContainerId, t.ContainerId) && (q.Status.Length == 0 || q.Status.Contains(t.Status))).ToList();

    public static List<ContainerdContent> Content(IEnumerable<ContainerdContent> blobs, ContainerdContentQuery q) =>
        blobs.Where(b => Wildcard.AnyMatch(q.Digest, b.Digest)).ToList();

    public static List<ContainerdPlugin> Plugins(IEnumerable<ContainerdPlugin> plugins, ContainerdPluginQuery q) =>
        plugins.Where(p => Wildcard.AnyMatch(q.Id, p.Id) && Wildcard.AnyMatch(q.Type, p.Type) && (!q.Failed || p.Status != "ok")).ToList();

    /// <summary>
    /// The images one pattern names: a wildcard matches names as the filters do; any other pattern is an exact name
    /// or a short one (busybox:1.36 is docker.io/library/busybox:1.36).
    /// </summary>
    public static List<ContainerdImage> ImagesNamed(IEnumerable<ContainerdImage> images, string pattern)
    {
        if (Wildcard.HasWildcards(pattern))
            return images.Where(i => Wildcard.IsMatch(pattern, i.Name)).ToList();
        var full = ImageReference.TryParse(pattern)?.FullName;
        return images.Where(i => i.Name == pattern || i.Name == full).ToList();
    }
}
