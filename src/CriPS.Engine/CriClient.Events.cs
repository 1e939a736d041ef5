using System.Runtime.CompilerServices;
using Grpc.Core;
using CriPS.Engine.Connection;
using CriPS.Engine.Filtering;
using CriPS.Engine.Mapping;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

public sealed partial class CriClient
{
    /// <summary>The ErrorId of a stream the runtime closed by itself (CRI-O does so at once when its events are off).</summary>
    public const string EventStreamEndedErrorId = "CriEventStreamEnded";

    /// <summary>
    /// Streams container events as the runtime sends them (GetContainerEvents), for <paramref name="listenFor"/> or,
    /// without it, until cancelled. The runtime is checked first under the usual deadline, so an unreachable one fails
    /// as fast as any call. Reaching the listening time ends the sequence; the runtime closing the stream by itself
    /// is a CriEventStreamEnded failure. Only the events <paramref name="query"/> asks for are returned
    /// (runtimes take no filter for this call).
    /// </summary>
    public async IAsyncEnumerable<ContainerEvent> GetContainerEventsAsync(EventQuery query, TimeSpan? listenFor,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        var version = await _runtime.EnsureVersionAsync(Timeout, cancel).ConfigureAwait(false);
        // The listening time ends the call by cancellation, not by a gRPC deadline: a runtime that sees its deadline pass
        // may close the stream as if it had ended by itself, and that must stay tellable apart.
        using var listen = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (listenFor is { } limit)
            listen.CancelAfter(limit);
        using var call = _runtime.Runtime.GetContainerEvents(new V1.GetEventsRequest(), new CallOptions(cancellationToken: listen.Token));
        var received = 0;
        while (true)
        {
            bool more;
            try
            {
                more = await call.ResponseStream.MoveNext(listen.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && listen.IsCancellationRequested)
            {
                if (cancel.IsCancellationRequested)
                    throw new OperationCanceledException(cancel);
                yield break; // listened as long as asked
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                throw EventsNotSupported(version, e);
            }
            catch (RpcException e)
            {
                throw ErrorTranslator.Translate(e, _runtime.Endpoint, "GetContainerEvents");
            }
            if (!more)
                throw StreamEnded(version, received);
            received++;
            var item = CriMapper.ToContainerEvent(call.ResponseStream.Current, _origin);
            if (Filters.Event(item, query))
                yield return item;
        }
    }

    private CriException EventsNotSupported(V1.VersionResponse version, RpcException e) =>
        new("CriEventsNotSupported", CriErrorCategory.NotImplemented,
            $"The runtime at {_runtime.Endpoint} ({version.RuntimeName} {version.RuntimeVersion}, CRI {version.RuntimeApiVersion}) "
            + "does not stream container events: it does not implement GetContainerEvents. containerd serves it from 1.7 on, "
            + "CRI-O from 1.26 (with enable_pod_events = true). Poll Get-CriContainer -All instead.",
            _runtime.Endpoint.Address, e);

    private CriException StreamEnded(V1.VersionResponse version, int received) =>
        new(EventStreamEndedErrorId, CriErrorCategory.ResourceUnavailable,
            $"The runtime at {_runtime.Endpoint} ({version.RuntimeName} {version.RuntimeVersion}) closed the event stream after {received} events."
            + (version.RuntimeName.Equals("cri-o", StringComparison.OrdinalIgnoreCase) && received == 0
                ? " CRI-O sends container events only when enable_pod_events = true ([crio.runtime] in crio.conf)."
                : " Run Get-CriEvent again to go on listening."),
            _runtime.Endpoint.Address);
}
