namespace CriPS.Engine.Archives;

/// <summary>What is wrong with an image archive; each has its own ErrorId, ContainerdArchive&lt;name&gt;.</summary>
internal enum ArchiveProblem
{
    NotTar,
    Truncated,
    Damaged,
    NotImage,
    InvalidDocument,
    PathOutside,
    DuplicateEntry,
    DigestMismatch,
    BlobMissing,
    Refused,
    TooLarge,
    TooManyEntries,
    HeaderTooLarge,
    NameTooLong,
    DocumentTooLarge,
    TooDeep,
}

/// <summary>
/// An archive that is not an image, a broken one, or one over a limit. A limit is LimitsExceeded (the caller may
/// raise it, or the archive is hostile); anything else is InvalidData.
/// </summary>
internal sealed class ImageArchiveException(ArchiveProblem problem, string message, object? target, Exception? inner = null)
    : CriException("ContainerdArchive" + problem, CategoryOf(problem), message, target, inner)
{
    public ArchiveProblem Problem => problem;

    private static CriErrorCategory CategoryOf(ArchiveProblem problem) => problem switch
    {
        ArchiveProblem.TooLarge or ArchiveProblem.TooManyEntries or ArchiveProblem.HeaderTooLarge or ArchiveProblem.NameTooLong
            or ArchiveProblem.DocumentTooLarge or ArchiveProblem.TooDeep => CriErrorCategory.LimitsExceeded,
        _ => CriErrorCategory.InvalidData,
    };
}
