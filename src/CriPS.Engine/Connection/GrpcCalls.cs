using Grpc.Core;

namespace CriPS.Engine.Connection;

/// <summary>
/// How every call of both clients (CRI and containerd's own API) runs: under a deadline, stopped by the caller's
/// token, and failing as a CriException the client's translator makes, except that the caller's own Ctrl+C stays an
/// OperationCanceledException (it is not a failure of the runtime).
/// </summary>
internal static class GrpcCalls
{
    /// <summary>Call options with a deadline <paramref name="timeout"/> from now and the caller's token.</summary>
    public static CallOptions Options(TimeSpan timeout, CancellationToken cancel, Metadata? headers = null) =>
        new(headers, DateTime.UtcNow + timeout, cancel);

    public static async Task<T> UnaryAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CallOptions options, Func<RpcException, CriException> translate)
    {
        try
        {
            return await call(options).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Failure(e, options.CancellationToken, translate);
        }
    }

    /// <summary>Reads a server stream to its end; the deadline of <paramref name="options"/> covers the whole stream.</summary>
    public static async Task<List<TItem>> ReadAllAsync<TReply, TItem>(Func<CallOptions, AsyncServerStreamingCall<TReply>> call, CallOptions options,
        Func<TReply, IEnumerable<TItem>> items, Func<RpcException, CriException> translate)
    {
        var result = new List<TItem>();
        try
        {
            using var stream = call(options);
            while (await stream.ResponseStream.MoveNext(options.CancellationToken).ConfigureAwait(false))
                result.AddRange(items(stream.ResponseStream.Current));
        }
        catch (RpcException e)
        {
            throw Failure(e, options.CancellationToken, translate);
        }
        return result;
    }

    private static Exception Failure(RpcException e, CancellationToken cancel, Func<RpcException, CriException> translate) =>
        e.StatusCode == StatusCode.Cancelled && cancel.IsCancellationRequested ? new OperationCanceledException(cancel) : translate(e);
}
