using System.Text;

namespace CriPS.Engine.Streaming;

/// <summary>
/// Turns a byte stream into lines of text as it comes: UTF-8 decoded across chunk boundaries, split at '\n' (a '\r'
/// before it dropped, as PowerShell does with a native command's output). A line longer than
/// <see cref="MaxLineChars"/> goes out in pieces of that length, so one endless line cannot fill memory.
/// </summary>
internal sealed class LineSplitter
{
    /// <summary>1 Mi characters, as the log reader bounds a line: far above any line meant for reading.</summary>
    internal const int MaxLineChars = 1 << 20;

    private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
    private readonly StringBuilder _line = new();
    private char[] _chars = new char[4096];

    /// <summary>The whole lines (and full pieces) that <paramref name="data"/> completes.</summary>
    public List<string> Add(ReadOnlySpan<byte> data)
    {
        var lines = new List<string>();
        var needed = _decoder.GetCharCount(data, flush: false);
        if (needed > _chars.Length)
            _chars = new char[needed];
        var count = _decoder.GetChars(data, _chars, flush: false);
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            if (_chars[i] != '\n')
                continue;
            Append(_chars.AsSpan(start, i - start), lines);
            lines.Add(TakeLine(dropReturn: true));
            start = i + 1;
        }
        Append(_chars.AsSpan(start, count - start), lines);
        return lines;
    }

    /// <summary>What is left after the last '\n' once the stream has ended; null when nothing is.</summary>
    public string? Flush()
    {
        var count = _decoder.GetChars(ReadOnlySpan<byte>.Empty, _chars, flush: true);
        _line.Append(_chars, 0, count);
        return _line.Length == 0 ? null : TakeLine(dropReturn: false);
    }

    private void Append(ReadOnlySpan<char> text, List<string> lines)
    {
        while (_line.Length + text.Length > MaxLineChars)
        {
            var room = MaxLineChars - _line.Length;
            _line.Append(text[..room]);
            lines.Add(TakeLine(dropReturn: false));
            text = text[room..];
        }
        _line.Append(text);
    }

    private string TakeLine(bool dropReturn)
    {
        if (dropReturn && _line.Length > 0 && _line[^1] == '\r')
            _line.Length--;
        var line = _line.ToString();
        _line.Clear();
        return line;
    }
}
