namespace CriPS.Engine.Filtering;

/// <summary>
/// Resolves the ids users type (a unique prefix, as crictl and docker accept) against a listing.
/// Each unknown prefix becomes a Cri{Kind}NotFound, each ambiguous one a Cri{Kind}AmbiguousId naming the candidates.
/// </summary>
internal static class IdPrefixResolver
{
    public static HashSet<string> Resolve<T>(IEnumerable<T> items, Func<T, string> idOf, IEnumerable<string> prefixes,
        string kind, List<CriException> errors, Func<string, string>? normalize = null)
    {
        var ids = items.Select(idOf).Distinct(StringComparer.Ordinal).ToList();
        var selected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var typed in prefixes)
        {
            var prefix = normalize is null ? typed.Trim() : normalize(typed.Trim());
            if (prefix.Length == 0)
            {
                errors.Add(new CriException($"Cri{kind}InvalidId", CriErrorCategory.InvalidArgument,
                    $"An empty {kind.ToLowerInvariant()} id matches nothing.", typed));
                continue;
            }
            var exact = ids.FirstOrDefault(id => string.Equals(id, prefix, StringComparison.OrdinalIgnoreCase));
            var matches = exact is not null ? [exact] : ids.Where(id => id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();
            switch (matches.Count)
            {
                case 0:
                    errors.Add(new CriException($"Cri{kind}NotFound", CriErrorCategory.ObjectNotFound,
                        $"No {kind.ToLowerInvariant()} has an id starting with '{typed}'.", typed));
                    break;
                case 1:
                    selected.Add(matches[0]);
                    break;
                default:
                    errors.Add(new CriException($"Cri{kind}AmbiguousId", CriErrorCategory.InvalidArgument,
                        $"'{typed}' matches {matches.Count} {kind.ToLowerInvariant()}s: {string.Join(", ", matches.Take(10))}"
                        + (matches.Count > 10 ? ", ..." : "") + ". Type more of the id.", typed));
                    break;
            }
        }
        return selected;
    }
}
