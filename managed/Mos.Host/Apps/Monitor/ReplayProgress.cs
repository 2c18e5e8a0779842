using System.Buffers.Binary;

namespace Mos.Host.Apps.Monitor;

/// <summary>A progress bar for replays, on stderr only (stdout stays clean for the
/// results): frames read so far against the frames in the file (counted up front from the
/// record headers of a classic pcap; pcapng shows the count alone), and connections seen.
/// Redrawn in place with '\r'; <see cref="Finish"/> draws the final state and ends the line.</summary>
internal sealed class ReplayProgress(TextWriter stderr, long? totalFrames)
{
    private const int Width = 30;
    private int _lastLength;

    public void Update(ulong frames, long connections)
    {
        string text, conns = $"{connections:N0} connection{(connections == 1 ? "" : "s")}";
        if (totalFrames is > 0 and var total)
        {
            double part = Math.Min(1.0, (double)frames / total);
            int filled = (int)(part * Width);
            text = $"[{new string('#', filled)}{new string('-', Width - filled)}] {part * 100,3:F0}%  {frames:N0}/{total:N0} frames  {conns}";
        }
        else
        {
            text = $"{frames:N0} frames  {conns}";
        }
        stderr.Write("\r" + text.PadRight(_lastLength));
        _lastLength = text.Length;
        stderr.Flush();
    }

    /// <summary>Draws the final state and ends the line (the bar stays as a record on stderr).</summary>
    public void Finish(ulong frames, long connections)
    {
        Update(frames, connections);
        stderr.Write('\n');
        stderr.Flush();
    }

    /// <summary>Frames in a classic pcap file (either byte order, µs or ns), read from its
    /// record headers; null for other formats or a damaged file.</summary>
    public static long? CountPcapFrames(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> hdr = stackalloc byte[24];
            if (f.Read(hdr) != 24)
                return null;
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(hdr);
            bool little = magic is 0xa1b2c3d4 or 0xa1b23c4d;
            if (!little && magic is not (0xd4c3b2a1 or 0x4d3cb2a1))
                return null;
            long frames = 0;
            Span<byte> rec = stackalloc byte[16];
            while (f.Read(rec) == 16)
            {
                uint caplen = little ? BinaryPrimitives.ReadUInt32LittleEndian(rec[8..]) : BinaryPrimitives.ReadUInt32BigEndian(rec[8..]);
                if (f.Position + caplen > f.Length)
                    break;
                f.Seek(caplen, SeekOrigin.Current);
                frames++;
            }
            return frames;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
