using CriPS.Engine.Images;

namespace CriPS.Engine.Filtering;

/// <summary>Client-side filters: one listing call, then these, so every runtime behaves alike.</summary>
internal static class Filters
{
    public static QueryResult<Pod> Pods(IReadOnlyList<Pod> pods, PodQuery q)
    {
        var result = new QueryResult<Pod>();
        HashSet<string>? ids = q.Id.Length > 0 ? IdPrefixResolver.Resolve(pods, p => p.Id, q.Id, "Pod", result.Errors) : null;
        result.Items.AddRange(pods.Where(p =>
            (ids is null || ids.Contains(p.Id))
            && Wildcard.AnyMatch(q.Name, p.Name)
            && Wildcard.AnyMatch(q.Namespace, p.Namespace)
            && (q.Uid.Length == 0 || q.Uid.Contains(p.Uid, StringComparer.OrdinalIgnoreCase))
            && (q.State is null || p.State == q.State)
            && HasLabels(p.Labels, q.Label)));
        return result;
    }

    /// <summary>
    /// Filters containers. <paramref name="imageIds"/> holds the ids that each -Image value resolved to
    /// (looked up once per distinct value by the caller); a container matches an -Image value by that id
    /// or by its own image reference.
    /// </summary>
    public static QueryResult<Container> Containers(IReadOnlyList<Container> containers, IReadOnlyList<Pod> pods,
        ContainerQuery q, IReadOnlyDictionary<string, string?> imageIds)
    {
        var result = new QueryResult<Container>();
        HashSet<string>? ids = q.Id.Length > 0 ? IdPrefixResolver.Resolve(containers, c => c.Id, q.Id, "Container", result.Errors) : null;
        // Pod ids resolve against the pods and also against the containers' pod ids (a pod may be gone).
        HashSet<string>? podIds = q.PodId.Length > 0
            ? IdPrefixResolver.Resolve(pods.Select(p => p.Id).Concat(containers.Select(c => c.PodId)), id => id, q.PodId, "Pod", result.Errors)
            : null;
        // Running only by default, like crictl ps; but a container asked for by id is found in any state.
        var states = q.State.Length > 0 ? q.State : q.All || q.Id.Length > 0 ? null : [ContainerState.Running];

        result.Items.AddRange(containers.Where(c =>
            (ids is null || ids.Contains(c.Id))
            && (podIds is null || podIds.Contains(c.PodId))
            && (states is null || states.Contains(c.State))
            && Wildcard.AnyMatch(q.Name, c.Name)
            && Wildcard.AnyMatch(q.Namespace, c.PodNamespace)
            && HasLabels(c.Labels, q.Label)
            && (q.Image.Length == 0 || q.Image.Any(i => UsesImage(c, i, imageIds.GetValueOrDefault(i))))));
        return result;
    }

    /// <summary>Whether a streamed event is one the query listens for.</summary>
    public static bool Event(ContainerEvent e, EventQuery q) =>
        (q.Type.Length == 0 || q.Type.Contains(e.Type))
        && IdMatchesAny(q.ContainerId, e.ContainerId)
        && IdMatchesAny(q.PodId, e.PodId);

    /// <summary>An id pattern with * or ? is a wildcard; any other is a prefix (case-insensitive, like typed ids).</summary>
    private static bool IdMatchesAny(string[] patterns, string id) =>
        patterns.Length == 0 || patterns.Any(p =>
        {
            var pattern = p.Trim();
            return Wildcard.HasWildcards(pattern)
                ? Wildcard.IsMatch(pattern, id)
                : pattern.Length > 0 && id.StartsWith(pattern, StringComparison.OrdinalIgnoreCase);
        });

    public static QueryResult<Image> Images(IReadOnlyList<Image> images, ImageQuery q)
    {
        var result = new QueryResult<Image>();
        HashSet<string>? ids = q.Id.Length > 0
            ? IdPrefixResolver.Resolve(images, i => WithoutSha256(i.Id), q.Id, "Image", result.Errors, WithoutSha256)
            : null;
        result.Items.AddRange(images.Where(i =>
            (ids is null || ids.Contains(WithoutSha256(i.Id)))
            && (q.Name.Length == 0 || q.Name.Any(n => NameMatches(i, n)))
            && (!q.Dangling || i.Dangling)
            && (!q.Pinned || i.Pinned)));
        // As Get-Item does: a name without wildcards that matches nothing is an error; a pattern may match nothing.
        // Checked against every image, so a name filtered out by -Pinned, say, is not called missing.
        foreach (var name in q.Name.Where(n => !Wildcard.HasWildcards(n) && !images.Any(i => NameMatches(i, n))))
            result.Errors.Add(new CriException("CriImageNotFound", CriErrorCategory.ObjectNotFound, $"No image is named '{name}'.", name));
        return result;
    }

    /// <summary>
    /// Image ids are compared without "sha256:": users type them either way, containerd lists them with it and
    /// CRI-O without. Another algorithm's prefix stays, so it never matches a sha256 id by accident.
    /// </summary>
    internal static string WithoutSha256(string id) => id.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? id[7..] : id;

    private static bool NameMatches(Image image, string pattern) =>
        ImageReference.FullForms(pattern).Any(p => image.RepoTags.Any(t => Wildcard.IsMatch(p, t)) || image.RepoDigests.Any(d => Wildcard.IsMatch(p, d)));

    private static bool UsesImage(Container c, string wanted, string? resolvedId)
    {
        if (resolvedId is not null && (c.ImageId == resolvedId || c.ImageRef == resolvedId || c.Image == resolvedId))
            return true;
        return Wildcard.IsMatch(wanted, c.Image)
            || (wanted.StartsWith("sha256:", StringComparison.Ordinal) && WithoutSha256(c.ImageId) == WithoutSha256(wanted));
    }

    private static bool HasLabels(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> wanted) =>
        wanted.All(w => labels.TryGetValue(w.Key, out var v) && v == w.Value);
}
