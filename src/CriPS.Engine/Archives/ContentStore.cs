using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using CriPS.Engine.Connection;
using Ctd = CriPS.Engine.Containerd;

namespace CriPS.Engine.Archives;

/// <summary>
/// Streams blobs into and out of containerd's content store. Writes are pipelined (containerd answers every
/// message of a Write session; waiting for each answer would halve the throughput), and an import's writes
/// carry its lease, so nothing is collected before the image records point at it.
/// </summary>
internal sealed class ContentStore(Ctd.Content.Content.ContentClient client, Metadata headers, TimeSpan callTimeout, TimeSpan stallLimit,
    Func<RpcException, string, object?, CriException> translate)
{
    /// <summary>1 MiB per message: far under containerd's 16 MiB receive limit, large enough to keep the pipe full.</summary>
    private const int ChunkSize = 1 << 20;

    public TimeSpan StallLimit => stallLimit;

    /// <summary>
    /// Writes <paramref name="size"/> bytes of <paramref name="source"/> as one blob. With an expected digest,
    /// containerd verifies it on commit and a blob it already has is skipped (Existed). Without one (docker save
    /// before 25 names layers by path) containerd's own digest is taken: it hashes every byte anyway, and answers
    /// each write with the digest of the data so far. Hashing here as well did that work twice and loaded OpenSSL
    /// into the process.
    /// </summary>
    public async Task<(string Digest, bool Existed)> WriteAsync(string reference, Stream source, long size, string? expected,
        IReadOnlyDictionary<string, string>? labels, Action<ReadOnlyMemory<byte>>? onChunk, object? target, CancellationToken cancel)
    {
        using var guard = new StallGuard(stallLimit, cancel);
        using var call = client.Write(new CallOptions(headers, cancellationToken: guard.Token));
        // The first message opens the ingest. With the expected digest, containerd answers AlreadyExists at once
        // when it has the blob (and adds it to the import's lease), so nothing is sent twice.
        try
        {
            await call.RequestStream.WriteAsync(new Ctd.Content.WriteContentRequest
            {
                Action = Ctd.Content.WriteAction.Stat,
                Ref = reference,
                Total = size,
                Expected = expected ?? "",
            }, guard.Token).ConfigureAwait(false);
            await call.ResponseStream.MoveNext(guard.Token).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists && expected is not null)
        {
            return (expected, true);
        }
        catch (RpcException e) when (!guard.Stalled && !cancel.IsCancellationRequested)
        {
            throw translate(e, "ContainerdContentWrite", target);
        }
        catch (Exception) when (guard.Stalled)
        {
            guard.ThrowIfStalled(target);
            throw;
        }

        // The digest of all the data: from the answer to the last write, or for an empty blob from the first answer.
        string? whole = size == 0 && call.ResponseStream.Current is { Offset: 0 } opened ? opened.Digest : null;
        // containerd answers every message; reading the answers on the side keeps the writes flowing.
        string? committed = null;
        var answers = Task.Run(async () =>
        {
            try
            {
                while (await call.ResponseStream.MoveNext(guard.Token).ConfigureAwait(false))
                {
                    guard.Progress();
                    var answer = call.ResponseStream.Current;
                    if (answer.Action == Ctd.Content.WriteAction.Commit)
                        committed = answer.Digest;
                    else if (answer.Offset == size)
                        whole = answer.Digest;
                }
                return null;
            }
            catch (Exception e)
            {
                // containerd's refusal; or the call cancelled or disposed because the writing side gave up.
                return e as RpcException;
            }
        }, CancellationToken.None);

        // Pooled and no larger than the blob: a fresh 1 MiB array per blob lands on the large object heap, which
        // only a full collection frees; an import of many blobs would hold them all until then.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(size, 1, ChunkSize));
        try
        {
            long offset = 0;
            var finished = false;
            try
            {
                while (offset < size)
                {
                    var read = await ReadSourceAsync(source, buffer.AsMemory(0, (int)Math.Min(ChunkSize, size - offset)), target, guard.Token)
                        .ConfigureAwait(false);
                    if (read == 0)
                        throw new ImageArchiveException(ArchiveProblem.Truncated, $"The archive ends inside {target}: {offset} of {size} bytes are there.", target);
                    var request = new Ctd.Content.WriteContentRequest
                    {
                        Action = Ctd.Content.WriteAction.Write,
                        Offset = offset,
                        // Wrapped, not copied: the message is serialized before WriteAsync returns, so the buffer is free again after it.
                        Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, read)),
                    };
                    await call.RequestStream.WriteAsync(request, guard.Token).ConfigureAwait(false);
                    offset += read;
                    onChunk?.Invoke(buffer.AsMemory(0, read));
                    guard.Progress();
                }
                var commit = new Ctd.Content.WriteContentRequest { Action = Ctd.Content.WriteAction.Commit, Offset = offset, Total = size, Expected = expected ?? "" };
                if (labels is not null)
                    foreach (var (key, value) in labels)
                        commit.Labels[key] = value;
                await call.RequestStream.WriteAsync(commit, guard.Token).ConfigureAwait(false);
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                if (await answers.ConfigureAwait(false) is { } refused)
                    throw refused;
                finished = true;
                return (committed is { Length: > 0 } ? committed : expected ?? whole!, false);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or IOException && !finished)
            {
                // Writing fails once containerd has ended the session; its answer says why.
                var answer = await answers.ConfigureAwait(false) ?? e as RpcException;
                // Known digests are checked on the first message, others on commit (docker save's identical VERSION
                // files, a layer the namespace has): either way the store has the blob, named by the last answer.
                if (answer is { StatusCode: StatusCode.AlreadyExists } && (expected ?? whole) is { } known)
                    return (known, true);
                await AbortAsync(reference).ConfigureAwait(false);
                guard.ThrowIfStalled(target);
                if (cancel.IsCancellationRequested)
                    throw new OperationCanceledException(cancel);
                // With the digest the archive names, a refused commit means the bytes do not hash to it (the size was sent right).
                if (answer is { StatusCode: StatusCode.FailedPrecondition or StatusCode.InvalidArgument } failed)
                    throw new ImageArchiveException(expected is not null && failed.StatusCode == StatusCode.FailedPrecondition
                        ? ArchiveProblem.DigestMismatch : ArchiveProblem.Refused, $"containerd refused {target}: {failed.Status.Detail}", target);
                if (answer is not null)
                    throw translate(answer, "ContainerdContentWrite", target);
                throw;
            }
            catch (Exception) when (!finished)
            {
                // Truncated input, Ctrl+C, a stall: leave no ingest behind.
                call.Dispose();
                await answers.ConfigureAwait(false);
                await AbortAsync(reference).ConfigureAwait(false);
                guard.ThrowIfStalled(target);
                throw;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a chunk of the archive; a stream that breaks off is a damaged archive, not a failure of containerd.</summary>
    private static async Task<int> ReadSourceAsync(Stream source, Memory<byte> buffer, object? target, CancellationToken cancel)
    {
        try
        {
            return await source.ReadAtLeastAsync(buffer, 1, false, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new ImageArchiveException(ArchiveProblem.Damaged, $"The archive cannot be read inside {target}: {e.Message}", target);
        }
    }

    /// <summary>A blob as a stream that checks its size, and unless told otherwise its digest, when it reaches the end.</summary>
    public Stream OpenRead(string digest, long size, object? target, CancellationToken cancel, TransferProgress? progress = null, bool verifyDigest = true)
    {
        var guard = new StallGuard(stallLimit, cancel);
        var call = client.Read(new Ctd.Content.ReadContentRequest { Digest = digest }, new CallOptions(headers, cancellationToken: guard.Token));
        return new ContentReadStream(call, guard, digest, size, target, e => translate(e, "ContainerdContentRead", target), progress, verifyDigest);
    }

    /// <summary>
    /// A small blob (a manifest, an index, a config) into memory; larger than the limit is an error. Without
    /// <paramref name="verifyDigest"/> only the size is checked: for reads that only look up a name or an ID, where a
    /// damaged document fails to parse or gives an ID that does not match, and which would otherwise load OpenSSL
    /// into a conversion that must stay under 150 MiB. Bytes that leave the store (export) are always verified.
    /// </summary>
    public async Task<byte[]> ReadSmallAsync(string digest, long size, int limit, object? target, CancellationToken cancel, bool verifyDigest = true)
    {
        if (size > limit)
            throw new ImageArchiveException(ArchiveProblem.DocumentTooLarge, $"{target} ({digest}) is {size} bytes; a manifest or config over {limit} bytes is not accepted.", target);
        using var memory = new MemoryStream((int)size);
        await using (var blob = OpenRead(digest, size, target, cancel, verifyDigest: verifyDigest))
            await blob.CopyToAsync(memory, cancel).ConfigureAwait(false);
        return memory.ToArray();
    }

    /// <summary>The blob's size, or null when the store does not have it.</summary>
    public async Task<long?> SizeOfAsync(string digest, CancellationToken cancel)
    {
        try
        {
            var reply = await GrpcCalls.UnaryAsync(o => client.InfoAsync(new Ctd.Content.InfoRequest { Digest = digest }, o), Unary(cancel),
                e => translate(e, "ContainerdContentInfo", digest)).ConfigureAwait(false);
            return reply.Info.Size;
        }
        catch (CriException e) when (e.StatusCode == nameof(StatusCode.NotFound))
        {
            return null;
        }
    }

    /// <summary>Adds labels (the garbage collector's references to children) to a stored blob.</summary>
    public async Task AddLabelsAsync(string digest, IReadOnlyDictionary<string, string> labels, CancellationToken cancel)
    {
        if (labels.Count == 0)
            return;
        var request = new Ctd.Content.UpdateRequest { Info = new Ctd.Content.Info { Digest = digest }, UpdateMask = new() };
        foreach (var (key, value) in labels)
        {
            request.Info.Labels[key] = value;
            request.UpdateMask.Paths.Add("labels." + key);
        }
        await GrpcCalls.UnaryAsync(o => client.UpdateAsync(request, o), Unary(cancel), e => translate(e, "ContainerdContentUpdate", digest))
            .ConfigureAwait(false);
    }

    private CallOptions Unary(CancellationToken cancel) => GrpcCalls.Options(callTimeout, cancel, headers);

    private async Task AbortAsync(string reference)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.AbortAsync(new Ctd.Content.AbortRequest { Ref = reference }, new CallOptions(headers, cancellationToken: timeout.Token))
                .ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // Nothing to abort (never opened, or already committed); the lease covers anything else.
        }
    }
}
