using CriPS.Engine.Connection;
using Grpc.Core;

namespace CriPS.Tests;

/// <summary>The one way both clients call: deadline and token on the call, the caller's Ctrl+C apart from failures.</summary>
public class GrpcCallsTests
{
    private static AsyncUnaryCall<T> Replying<T>(Task<T> reply) =>
        new(reply, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });

    private static AsyncUnaryCall<string> Failing(StatusCode code) =>
        Replying(Task.FromException<string>(new RpcException(new Status(code, "runtime said " + code))));

    /// <summary>A translator that records what it was given and answers with an error naming the status.</summary>
    private sealed class Recorder
    {
        public List<RpcException> Seen { get; } = new();

        public CriException Translate(RpcException e)
        {
            Seen.Add(e);
            return new CriException("Translated" + e.StatusCode, CriErrorCategory.NotSpecified, e.Status.Detail);
        }
    }

    [Fact]
    public async Task UnaryCallGetsTheDeadlineTheTokenAndTheHeaders()
    {
        using var cancel = new CancellationTokenSource();
        var headers = new Metadata { { "containerd-namespace", "k8s.io" } };
        CallOptions? seen = null;
        var before = DateTime.UtcNow;

        var reply = await GrpcCalls.UnaryAsync(o => { seen = o; return Replying(Task.FromResult("pong")); },
            GrpcCalls.Options(TimeSpan.FromSeconds(7), cancel.Token, headers), new Recorder().Translate);

        Assert.Equal("pong", reply);
        Assert.InRange(seen!.Value.Deadline!.Value, before.AddSeconds(7), DateTime.UtcNow.AddSeconds(7));
        Assert.Equal(cancel.Token, seen.Value.CancellationToken);
        Assert.Same(headers, seen.Value.Headers);
    }

    [Fact]
    public async Task TheCallersOwnCancellationIsNotAFailure()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var recorder = new Recorder();

        var e = await Assert.ThrowsAsync<OperationCanceledException>(() =>
            GrpcCalls.UnaryAsync(_ => Failing(StatusCode.Cancelled), GrpcCalls.Options(TimeSpan.FromSeconds(5), cancel.Token), recorder.Translate));

        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.Empty(recorder.Seen);
    }

    [Theory]
    [InlineData(StatusCode.Cancelled)]        // cancelled by the runtime or a proxy, not by the caller
    [InlineData(StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.NotFound)]
    [InlineData(StatusCode.InvalidArgument)]
    public async Task OtherFailuresGoThroughTheClientsTranslator(StatusCode code)
    {
        var recorder = new Recorder();

        var e = await Assert.ThrowsAsync<CriException>(() =>
            GrpcCalls.UnaryAsync(_ => Failing(code), GrpcCalls.Options(TimeSpan.FromSeconds(5), CancellationToken.None), recorder.Translate));

        Assert.Equal("Translated" + code, e.ErrorId);
        Assert.Equal(code, Assert.Single(recorder.Seen).StatusCode);
    }

    [Fact]
    public async Task AFailureOtherThanCancelledIsTranslatedEvenAfterCtrlC()
    {
        // The deadline may pass as the user presses Ctrl+C: that is still the deadline's error.
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var e = await Assert.ThrowsAsync<CriException>(() =>
            GrpcCalls.UnaryAsync(_ => Failing(StatusCode.DeadlineExceeded), GrpcCalls.Options(TimeSpan.FromSeconds(5), cancel.Token),
                new Recorder().Translate));

        Assert.Equal("TranslatedDeadlineExceeded", e.ErrorId);
    }

    // ---- server streams ----

    private sealed class Batches(IEnumerable<string[]> batches, RpcException? endsWith = null) : IAsyncStreamReader<string[]>
    {
        private readonly IEnumerator<string[]> _next = batches.GetEnumerator();

        public string[] Current => _next.Current;

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_next.MoveNext())
                return Task.FromResult(true);
            return endsWith is null ? Task.FromResult(false) : Task.FromException<bool>(endsWith);
        }
    }

    private static AsyncServerStreamingCall<string[]> Streaming(Batches batches) =>
        new(batches, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });

    [Fact]
    public async Task AStreamIsReadToItsEndUnderOneDeadline()
    {
        CallOptions? seen = null;
        var before = DateTime.UtcNow;

        var items = await GrpcCalls.ReadAllAsync(o => { seen = o; return Streaming(new Batches([["a", "b"], [], ["c"]])); },
            GrpcCalls.Options(TimeSpan.FromSeconds(9), CancellationToken.None), batch => batch, new Recorder().Translate);

        Assert.Equal(new[] { "a", "b", "c" }, items);
        Assert.InRange(seen!.Value.Deadline!.Value, before.AddSeconds(9), DateTime.UtcNow.AddSeconds(9));
    }

    [Fact]
    public async Task AStreamThatFailsMidwayIsTranslated()
    {
        var recorder = new Recorder();
        var failure = new RpcException(new Status(StatusCode.Unavailable, "connection reset"));

        var e = await Assert.ThrowsAsync<CriException>(() => GrpcCalls.ReadAllAsync(_ => Streaming(new Batches([["a"]], failure)),
            GrpcCalls.Options(TimeSpan.FromSeconds(5), CancellationToken.None), batch => batch, recorder.Translate));

        Assert.Equal("TranslatedUnavailable", e.ErrorId);
        Assert.Same(failure, Assert.Single(recorder.Seen));
    }

    [Fact]
    public async Task AStreamStoppedByTheCallerIsCancelled()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var recorder = new Recorder();

        await Assert.ThrowsAsync<OperationCanceledException>(() => GrpcCalls.ReadAllAsync(
            _ => Streaming(new Batches([["a"]], new RpcException(new Status(StatusCode.Cancelled, "")))),
            GrpcCalls.Options(TimeSpan.FromSeconds(5), cancel.Token), batch => batch, recorder.Translate));

        Assert.Empty(recorder.Seen);
    }
}
