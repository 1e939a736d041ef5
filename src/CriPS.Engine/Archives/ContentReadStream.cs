using System.Security.Cryptography;
using Grpc.Core;
using Ctd = CriPS.Engine.Containerd;

namespace CriPS.Engine.Archives;

/// <summary>
/// A read-only stream over one Content.Read call. It hashes what passes through and, at the end, fails unless
/// the blob had exactly the size and digest its descriptor promised, so a corrupt store never exports silently.
/// Without <paramref name="verify"/> it checks the size only.
/// </summary>
internal sealed class ContentReadStream(AsyncServerStreamingCall<Ctd.Content.ReadContentResponse> call, StallGuard guard,
    string digest, long size, object? target, Func<RpcException, CriException> translate, TransferProgress? progress, bool verify = true) : ReadOnlyStream
{
    private readonly IncrementalHash? _hash = verify ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    private ReadOnlyMemory<byte> _pending;
    private long _received;
    private bool _ended;

    public override long Length => size;
    protected override long BytesRead => _received - _pending.Length;

    /// <summary>Blocking reads only where a caller insists (a synchronous CopyTo); everything here reads asynchronously.</summary>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override int Read(Span<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var n = Read(rented, 0, buffer.Length);
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty && !_ended)
            await NextAsync().ConfigureAwait(false);
        var n = Math.Min(buffer.Length, _pending.Length);
        _pending[..n].CopyTo(buffer);
        _pending = _pending[n..];
        progress?.Add(n);
        return n;
    }

    private async Task NextAsync()
    {
        try
        {
            if (await call.ResponseStream.MoveNext(guard.Token).ConfigureAwait(false))
            {
                guard.Progress();
                _pending = call.ResponseStream.Current.Data.Memory;
                _hash?.AppendData(_pending.Span);
                _received += _pending.Length;
                return;
            }
        }
        catch (Exception) when (guard.Stalled)
        {
            guard.ThrowIfStalled(target);
            throw;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw translate(e);
        }
        _ended = true;
        var actual = _hash is null ? digest : Sha256Digest.Format(_hash.GetHashAndReset());
        if (_received != size || (digest.StartsWith("sha256:", StringComparison.Ordinal) && actual != digest))
            throw new CriException("ContainerdContentCorrupt", CriErrorCategory.InvalidData,
                $"The blob {digest} in containerd's store reads back as {_received} bytes with digest {actual}, not {size} bytes with its own digest.",
                target);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            call.Dispose();
            guard.Dispose();
            _hash?.Dispose();
        }
        base.Dispose(disposing);
    }
}
