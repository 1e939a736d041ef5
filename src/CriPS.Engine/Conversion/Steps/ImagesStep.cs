using CriPS.Engine.Archives;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Moves Docker's images into containerd's k8s.io namespace (docker save, then import) while Docker still runs,
/// and checks each keeps its ID. Images already there with the same ID are not moved again. Nothing to undo: the
/// moved images do no harm to Docker.
/// </summary>
internal sealed class ImagesStep : NodeStep
{
    private const string ImageNamespace = "k8s.io";

    public override string Name => "Images";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
        c.Plan.ImagesToMove.Select(i => Planned("Move image to containerd (k8s.io)", string.Join(", ", i.Tags), $"{i.Id}, {Display.Bytes(i.Size)}"))
            .Concat(c.Plan.SkippedImages.Select(i => Planned("Skip image", i.DockerId, i.Note)));

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        var toMove = c.Plan.ImagesToMove;
        if (toMove.Count == 0)
        {
            record.Details.Add(c.Options.MoveImages ? "no tagged image to move" : "-MigrateImages None");
            return ConversionStepStatus.Skipped;
        }
        var containerd = ContainerdClient.Connect(c.Survey.ContainerdEndpoint, ImageNamespace, c.Options.CallTimeout);
        if (!c.Survey.ContainerdAnswers)
        {
            // Docker's containerd serves the content store even with CRI disabled; start it if it is down.
            await c.Systemctl.ActAsync(cancel, "start", "containerd").ConfigureAwait(false);
            await c.WaitForAsync(() => containerd.GetVersionAsync(cancel), "containerd", cancel).ConfigureAwait(false);
        }

        var missing = new List<DockerImageFacts>();
        var before = await ContainerdImageIdsAsync(containerd, toMove, cancel).ConfigureAwait(false);
        foreach (var image in toMove)
            if (IdsOf(before, image).All(id => id == image.Id))
                SetImage(c.Report, image, "Present", image.Id, "already in containerd with the same ID");
            else
                missing.Add(image);
        if (missing.Count > 0)
        {
            var names = missing.SelectMany(i => i.Tags).ToList();
            var progress = new TransferProgress { Total = missing.Sum(i => i.Size) };
            using var docker = new DockerEngine(c.Survey.DockerEndpoint, c.Options.CallTimeout);
            using var reporter = new Timer(_ => c.Log.Progress(Name,
                $"{Display.Bytes(progress.Bytes)} of about {Display.Bytes(progress.Total ?? 0)}: {progress.Current}", -1), null, 250, 250);
            await using (var archive = await docker.SaveAsync(names, cancel).ConfigureAwait(false))
            {
                // Docker on this node wrote the archive: the default limits (128 GiB) fit any node's images.
                var result = await containerd.ImportImagesAsync(archive, null, new ArchiveLimits(), ContainerdClient.DefaultStallLimit, progress, cancel).ConfigureAwait(false);
                foreach (var note in result.Notes)
                    record.Details.Add(note);
            }
            var after = await ContainerdImageIdsAsync(containerd, toMove, cancel).ConfigureAwait(false);
            foreach (var image in missing)
            {
                var ids = IdsOf(after, image);
                if (ids.Any(id => id != image.Id))
                {
                    SetImage(c.Report, image, "Failed", string.Join(",", ids.Distinct()), "IDs differ");
                    throw new CriException("ConversionImageMismatch", CriErrorCategory.InvalidData,
                        $"{image.Tags[0]} is {image.Id} in Docker but {string.Join(", ", ids.Distinct())} in containerd.", image.Tags[0]);
                }
                SetImage(c.Report, image, "Moved", image.Id, "");
            }
        }
        record.Details.Add($"{toMove.Count} image(s): {missing.Count} moved, {toMove.Count - missing.Count} already present");
        return ConversionStepStatus.Done;
    }

    /// <summary>
    /// The ID of every name of the images to move that the namespace has, from one listing; the ID (a manifest read)
    /// is worked out once per distinct target, since the names of one image share it.
    /// </summary>
    private static async Task<Dictionary<string, string>> ContainerdImageIdsAsync(ContainerdClient containerd, IEnumerable<DockerImageFacts> images,
        CancellationToken cancel)
    {
        var wanted = images.SelectMany(i => i.Tags).Select(NodePlan.Normalize).ToHashSet(StringComparer.Ordinal);
        var byDigest = new Dictionary<string, string>(StringComparer.Ordinal);
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in await containerd.GetImagesAsync([], cancel).ConfigureAwait(false))
        {
            if (!wanted.Contains(record.Name))
                continue;
            if (!byDigest.TryGetValue(record.Digest, out var id))
                byDigest[record.Digest] = id = await containerd.GetImageIdAsync(record, cancel).ConfigureAwait(false);
            byName[record.Name] = id;
        }
        return byName;
    }

    /// <summary>The IDs containerd has for each of a Docker image's names ("" for a name it lacks).</summary>
    private static List<string> IdsOf(Dictionary<string, string> ids, DockerImageFacts image) =>
        image.Tags.Select(tag => ids.GetValueOrDefault(NodePlan.Normalize(tag), "")).ToList();

    private static void SetImage(ConversionReport report, DockerImageFacts image, string status, string containerdId, string note)
    {
        var moved = report.Images.First(i => i.DockerId == image.Id && i.Status != "Skipped");
        moved.Status = status;
        moved.ContainerdId = containerdId;
        if (note.Length > 0)
            moved.Note = moved.Note.Length > 0 ? moved.Note + "; " + note : note;
    }
}
