using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CriPS.Engine.Filtering;
using CriPS.Engine.Logs;
using CriPS.Engine.Mapping;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

/// <summary>A container's log file, as ContainerStatus names it, and the container whose lines it holds.</summary>
public sealed class ContainerLogSource
{
    /// <summary>The container asked for.</summary>
    public required Container Container { get; init; }
    public required string Path { get; init; }
    /// <summary>The container that wrote the file: the one asked for, or with -Previous its earlier attempt; empty when the runtime no longer has it.</summary>
    public required string WriterId { get; init; }
    public required string WriterName { get; init; }
    public uint WriterAttempt { get; init; }
    /// <summary>True for a container not started yet: the runtime creates its log when it starts it.</summary>
    public bool NotStartedYet { get; init; }
}

/// <summary>What reading logs yields: a line, a file line that is no CRI record, or (while following several) one container's failure.</summary>
public sealed class ContainerLogItem
{
    public required ContainerLogSource Source { get; init; }
    public ContainerLogEntry? Entry { get; init; }
    public LogLine? Malformed { get; init; }
    public CriException? Error { get; init; }

    /// <summary>The follow of a container that was not started yet found it alive and waits for its output.</summary>
    public bool WaitingForStart { get; init; }
}

public sealed partial class CriClient
{
    /// <summary>
    /// Finds a container's log (one listing plus ContainerStatus calls). With <paramref name="previous"/>, the log of
    /// the attempt before it: the container of the same name in the same pod with the highest lower attempt, as the
    /// kubelet keeps it after a restart; when the runtime has none, the file of the attempt before it next to the
    /// container's own (the kubelet's NAME/ATTEMPT.log layout), which Remove-CriContainer -KeepLogs leaves.
    /// </summary>
    public async Task<ContainerLogSource> FindContainerLogAsync(string id, bool previous, CancellationToken cancel)
    {
        var container = await GetContainerAsync(id, cancel).ConfigureAwait(false);
        if (!previous)
            return new ContainerLogSource
            {
                Container = container,
                Path = container.LogPath ?? throw NoLogPath(container, id),
                WriterId = container.Id,
                WriterName = container.Name,
                WriterAttempt = container.Attempt,
                NotStartedYet = container.State == ContainerState.Created,
            };

        var query = new ContainerQuery { PodId = [container.PodId], Name = [container.Name], All = true, Detailed = true };
        var earlier = (await GetContainersAsync(query, cancel).ConfigureAwait(false)).Items
            .Where(c => c.Name == container.Name && c.Attempt < container.Attempt)
            .MaxBy(c => c.Attempt);
        if (earlier is not null)
            return new ContainerLogSource
            {
                Container = container,
                Path = earlier.LogPath ?? throw NoLogPath(earlier, id),
                WriterId = earlier.Id,
                WriterName = earlier.Name,
                WriterAttempt = earlier.Attempt,
            };
        if (container.Attempt > 0 && container.LogPath is { } own && Path.GetFileName(own) == $"{container.Attempt}.log")
        {
            var file = Path.Combine(Path.GetDirectoryName(own) ?? "", $"{container.Attempt - 1}.log");
            if (File.Exists(file))
                return new ContainerLogSource
                {
                    Container = container, Path = file, WriterId = "", WriterName = container.Name, WriterAttempt = container.Attempt - 1,
                };
        }
        throw new CriException("CriPreviousContainerNotFound", CriErrorCategory.ObjectNotFound,
            container.Attempt == 0
                ? $"Container {container.Name} ({container.Id}) is attempt 0: it has no previous attempt."
                : $"Container {container.Name} ({container.Id}) is attempt {container.Attempt}, but pod {container.PodName} has no earlier attempt "
                  + "of it and no log file of one is left.",
            id);
    }

    /// <summary>The log as it is now. The file is opened before this returns: a missing one throws CriContainerLogNotFound.</summary>
    public IEnumerable<ContainerLogItem> ReadContainerLog(ContainerLogSource source, LogQuery query, CancellationToken cancel)
    {
        if (source.NotStartedYet && !File.Exists(source.Path))
            throw new CriException("CriContainerLogNotFound", CriErrorCategory.ObjectNotFound,
                $"Container {source.Container.Name} ({source.Container.Id}) has not been started, so it has no log yet ({source.Path}). "
                + "Use -Follow to wait for its output.", source.Path);
        return CriLogReader.Read(source.Path, query, cancel).Select(line => ToItem(source, line));
    }

    /// <summary>
    /// Follows the logs of several containers at once, each until its container stops (ContainerStatus, about once a
    /// second) or the query's Until passes. Lines come in the order they are read; one container's failure is an
    /// item and does not end the others. Nothing keeps running once the enumeration ends or is cancelled.
    /// </summary>
    public async IAsyncEnumerable<ContainerLogItem> FollowContainerLogsAsync(IReadOnlyList<ContainerLogSource> sources, LogQuery query,
        FollowTiming? timing, [EnumeratorCancellation] CancellationToken cancel)
    {
        // Bounded: a slow pipeline holds the followers back instead of queueing a log in memory. An item may be a
        // line of up to 1 MiB (a 2 MiB string), so 16 of them cost at most 32 MiB.
        var channel = Channel.CreateBounded<ContainerLogItem>(new BoundedChannelOptions(16) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var followers = sources.Select(s => Task.Run(() => FollowOneAsync(s, query, timing, channel.Writer, stop.Token), stop.Token)).ToArray();
        _ = Task.WhenAll(followers).ContinueWith(_ => channel.Writer.TryComplete(), TaskScheduler.Default);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
                yield return item;
        }
        finally
        {
            stop.Cancel();
            try
            {
                await Task.WhenAll(followers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The followers end by cancellation; what matters is that they have ended.
            }
        }
    }

    private async Task FollowOneAsync(ContainerLogSource source, LogQuery query, FollowTiming? timing, ChannelWriter<ContainerLogItem> output,
        CancellationToken cancel)
    {
        try
        {
            var lines = CriLogReader.FollowAsync(source.Path, query, c => IsWriterRunningAsync(source, c), source.NotStartedYet, timing, cancel,
                waiting: source.NotStartedYet ? () => output.WriteAsync(new ContainerLogItem { Source = source, WaitingForStart = true }, cancel).AsTask() : null);
            await foreach (var line in lines.ConfigureAwait(false))
                await output.WriteAsync(ToItem(source, line), cancel).ConfigureAwait(false);
        }
        catch (CriException e)
        {
            await output.WriteAsync(new ContainerLogItem { Source = source, Error = e }, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else still ends only this container's follow, with its log as the target.
            var error = new CriException("CriContainerLogUnreadable", CriErrorCategory.ReadError,
                $"Following the container log {source.Path} failed: {e.Message}", source.Path, e);
            await output.WriteAsync(new ContainerLogItem { Source = source, Error = error }, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the container writing a log may still write to it: created (not started yet) or running.</summary>
    private async Task<bool> IsWriterRunningAsync(ContainerLogSource source, CancellationToken cancel) =>
        source.WriterId.Length > 0
        && await GetContainerStateAsync(source.WriterId, cancel).ConfigureAwait(false) is ContainerState.Created or ContainerState.Running;

    /// <summary>A container's state by one ContainerStatus call (full id); null when the runtime no longer has it.</summary>
    public async Task<ContainerState?> GetContainerStateAsync(string id, CancellationToken cancel)
    {
        try
        {
            var reply = await Call("ContainerStatus", "Container", id,
                o => _runtime.Runtime.ContainerStatusAsync(new V1.ContainerStatusRequest { ContainerId = id }, o), cancel).ConfigureAwait(false);
            return CriMapper.ToState(reply.Status.State);
        }
        catch (CriException e) when (e.ErrorId == "CriContainerNotFound")
        {
            return null;
        }
    }

    /// <summary>
    /// Asks the runtime to close a container's log file and open its path again (CRI ReopenContainerLog): the
    /// kubelet's rotation renames the file and then calls this. The container must be running.
    /// </summary>
    public Task ReopenContainerLogAsync(string id, CancellationToken cancel) =>
        Call("ReopenContainerLog", "Container", id,
            o => _runtime.Runtime.ReopenContainerLogAsync(new V1.ReopenContainerLogRequest { ContainerId = id }, o), cancel);

    private ContainerLogItem ToItem(ContainerLogSource source, LogLine line) => line.IsMalformed
        ? new ContainerLogItem { Source = source, Malformed = line }
        : new ContainerLogItem
        {
            Source = source,
            Entry = _origin.Stamp(new ContainerLogEntry
            {
                Timestamp = line.Timestamp,
                Stream = line.StreamName,
                Message = line.Text,
                IsPartial = line.IsPartial,
                ContainerId = source.WriterId,
                ContainerName = source.WriterName,
            }),
        };

    private static CriException NoLogPath(Container container, string typed) =>
        new("CriContainerLogNotFound", CriErrorCategory.ObjectNotFound,
            $"Container {container.Name} ({container.Id}) has no log file: the runtime reports no log path (its pod was created without a log directory).",
            typed);
}
