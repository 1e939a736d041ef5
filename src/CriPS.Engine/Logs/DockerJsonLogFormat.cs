using System.Buffers;
using System.Text.Json;

namespace CriPS.Engine.Logs;

/// <summary>
/// Docker's json-file log format, which cri-dockerd's containers write and the kubelet reads beside the CRI format:
/// one JSON object per line, <c>{"log":"text\n","stream":"stdout","time":"RFC3339Nano"}</c>. Docker splits a line
/// longer than 16 KiB into several objects, only the last of which ends in a newline: the others are partial.
/// </summary>
internal static class DockerJsonLogFormat
{
    /// <summary>A line in this format starts with its object; CRI records start with a digit.</summary>
    public static bool LooksLikeOne(ReadOnlySpan<byte> line) => line.Length > 0 && line[0] == (byte)'{';

    /// <summary>
    /// Parses one line; <paramref name="content"/> is the unescaped text without its newline, in a buffer rented
    /// from the shared pool that the caller returns. False for a line that is not such an object.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out CriLogRecord record, out byte[]? content, out int contentLength)
    {
        record = default;
        content = null;
        contentLength = 0;
        DateTime? time = null;
        LogStreams? stream = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueTextEquals("log"u8) ? 1 : reader.ValueTextEquals("stream"u8) ? 2 : reader.ValueTextEquals("time"u8) ? 3 : 0;
                if (!reader.Read())
                    return false;
                if (name == 0 || reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    continue;
                }
                // Unescaped text is never longer than its escaped form.
                var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length));
                var length = reader.CopyString(buffer);
                switch (name)
                {
                    case 1:
                        if (content is not null)
                            ArrayPool<byte>.Shared.Return(content);
                        (content, contentLength) = (buffer, length);
                        continue;
                    case 2:
                        stream = buffer.AsSpan(0, length).SequenceEqual("stdout"u8) ? LogStreams.Stdout
                            : buffer.AsSpan(0, length).SequenceEqual("stderr"u8) ? LogStreams.Stderr : null;
                        break;
                    case 3:
                        time = CriLogFormat.TryParseTimestamp(buffer.AsSpan(0, length), out var utc) ? utc : null;
                        break;
                }
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (JsonException)
        {
        }
        if (content is null || stream is null || time is null)
        {
            if (content is not null)
                ArrayPool<byte>.Shared.Return(content);
            content = null;
            return false;
        }
        var partial = contentLength == 0 || content[contentLength - 1] != (byte)'\n';
        if (!partial)
            contentLength--;
        record = new CriLogRecord(time.Value, stream.Value, partial, 0);
        return true;
    }
}
