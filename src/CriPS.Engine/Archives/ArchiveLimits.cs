namespace CriPS.Engine.Archives;

/// <summary>
/// How much of an archive is believed before it is read. The two the caller may raise fit real images with room to
/// spare: the largest public images are tens of GiB in all and a few GiB per layer, and an OCI layout holds one
/// file per blob. The fixed ones have no legitimate large use: a name is a path (PATH_MAX), a PAX record carries a
/// name and a few times, manifests and indexes are kilobytes.
/// </summary>
public sealed record ArchiveLimits
{
    public const long DefaultMaximumSize = 128L << 30;
    public const int DefaultMaximumEntryCount = 100_000;

    /// <summary>All bytes of the tar stream (after gzip), headers included.</summary>
    public long MaximumSize { get; init; } = DefaultMaximumSize;

    /// <summary>Tar entries of any kind: files, directories, links.</summary>
    public int MaximumEntryCount { get; init; } = DefaultMaximumEntryCount;

    /// <summary>A PAX or GNU long-name header's data, which tar readers hold in memory whole.</summary>
    public const int MaximumExtensionHeaderBytes = 64 << 10;

    /// <summary>An entry name or link target, in UTF-8 bytes: Linux's PATH_MAX.</summary>
    public const int MaximumNameBytes = 4096;

    /// <summary>All names together (they are kept to find duplicates and follow links): 100,000 names of 160 bytes.</summary>
    public const long MaximumNameBytesTotal = 16 << 20;

    /// <summary>A JSON document: index.json, manifest.json, a manifest, an index or a config.</summary>
    public const int MaximumDocumentBytes = 8 << 20;

    /// <summary>Manifests an index may list; real multi-platform indexes list tens, with attestations.</summary>
    public const int MaximumIndexEntries = 10_000;

    /// <summary>Indexes inside indexes: index.json may name an image index, which may name another; 16 is far beyond any tool's nesting.</summary>
    public const int MaximumIndexDepth = 16;
}
