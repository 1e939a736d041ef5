namespace CriPS.Engine.Streaming;

/// <summary>
/// The numbered byte channels of one exec or attach stream on a runtime's streaming server, whatever carries them:
/// 0 stdin, 1 stdout, 2 stderr, 3 the status (Kubernetes Status JSON), 4 terminal resizes (JSON).
/// </summary>
internal interface IStreamChannels : IAsyncDisposable
{
    /// <summary>The subprotocol the server chose, e.g. v4.channel.k8s.io.</summary>
    string Protocol { get; }

    Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancel);

    /// <summary>Ends stdin alone, the output going on (SPDY only: see CriClient.OpenStreamAsync).</summary>
    Task CloseInputAsync(CancellationToken cancel);

    /// <summary>The next message from the server; null once it has ended the stream. The data is valid until the next call.</summary>
    ValueTask<ChannelMessage?> ReceiveAsync(CancellationToken cancel);
}

internal readonly record struct ChannelMessage(byte Channel, ReadOnlyMemory<byte> Data);

/// <summary>The channel numbers both transports share (Kubernetes remotecommand).</summary>
internal static class StreamChannel
{
    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;
    public const byte Status = 3;
    public const byte Resize = 4;
}
