using System.Buffers;

namespace Mos.Host.Apps.Monitor;

/// <summary>One reassembled direction written to a file: bytes are gathered in a small
/// pooled buffer (growing to 64 KiB) and appended to the file when it fills, so thousands of
/// open connections need neither thousands of open files nor their whole streams in memory.
/// The file exists (possibly empty) once <see cref="Close"/> has run.</summary>
internal sealed class StreamFile(string path)
{
    private const int MaxBuffer = 64 * 1024;
    private byte[]? _buf;
    private int _len;
    private bool _created;

    public string Path { get; } = path;

    /// <summary>Bytes written so far (buffered ones included).</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            Reserve(data.Length);
            int n = Math.Min(data.Length, _buf!.Length - _len);
            data[..n].CopyTo(_buf.AsSpan(_len));
            _len += n;
            Length += n;
            data = data[n..];
        }
    }

    /// <summary>Appends <paramref name="count"/> NUL bytes (a hole, as tcpflow writes it).</summary>
    public void AppendZeros(long count)
    {
        while (count > 0)
        {
            Reserve((int)Math.Min(count, MaxBuffer));
            int n = (int)Math.Min(count, _buf!.Length - _len);
            _buf.AsSpan(_len, n).Clear();
            _len += n;
            Length += n;
            count -= n;
        }
    }

    /// <summary>Room for at least one byte, for <paramref name="want"/> when the buffer can grow.</summary>
    private void Reserve(int want)
    {
        if (_buf is not null && _len + want <= _buf.Length)
            return;
        if (_buf is not null && _buf.Length >= MaxBuffer)
        {
            if (_len == _buf.Length)
                Flush();
            return;
        }
        uint need = (uint)Math.Min(MaxBuffer, Math.Max(4096, _len + want));
        var bigger = ArrayPool<byte>.Shared.Rent((int)System.Numerics.BitOperations.RoundUpToPowerOf2(need));
        if (_buf is not null)
        {
            _buf.AsSpan(0, _len).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buf);
        }
        _buf = bigger;
    }

    private void Flush()
    {
        using (var f = new FileStream(Path, _created ? FileMode.Append : FileMode.Create, FileAccess.Write))
            f.Write(_buf.AsSpan(0, _len));
        _created = true;
        _len = 0;
    }

    /// <summary>Writes what is buffered (creating the file even when empty) and releases the buffer.</summary>
    public void Close()
    {
        if (_buf is null)
        {
            if (!_created)
                File.WriteAllBytes(Path, Array.Empty<byte>());
            _created = true;
            return;
        }
        Flush();
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = null;
    }
}
