using System.Globalization;
using System.Text;

namespace Mos.Host.Apps.Monitor;

/// <summary>flowdump's <c>index.tsv</c>: a header line, then one tab-separated row per
/// connection in id order. Columns (the README documents them):
/// id, client, server (ip:port), first_ts, last_ts (capture time, seconds since the Unix
/// epoch with 9 decimals), end (fin, rst, timeout, evicted, reused, open, nomem),
/// client_state, server_state (at the last packet), midstream (1: picked up without the
/// SYN), then per direction (_c2s, _s2c): packets, bytes (TCP payload, retransmissions
/// included), stream (bytes written to the .c2s/.s2c file), rexmit (retransmitted payload
/// bytes), conflict (re-sent bytes whose content differed), missing (bytes never seen:
/// holes).</summary>
internal static class FlowIndex
{
    public const string FileName = "index.tsv";

    public static readonly string[] Columns =
    {
        "id", "client", "server", "first_ts", "last_ts", "end", "client_state", "server_state", "midstream",
        "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c", "stream_c2s", "stream_s2c",
        "rexmit_c2s", "rexmit_s2c", "conflict_c2s", "conflict_s2c", "missing_c2s", "missing_s2c",
    };

    public static void Write(string path, IEnumerable<FlowRecord> flows)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join('\t', Columns)).Append('\n');
        foreach (var f in flows)
            sb.Append(string.Join('\t', Row(f))).Append('\n');
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, sb.ToString());
        File.Move(tmp, path, overwrite: true);
    }

    private static IEnumerable<string> Row(FlowRecord f)
    {
        var i = f.Final ?? throw new InvalidOperationException($"connection {f.Id} has no report");
        FlowSideInfo c = i.Client, s = i.Server; // what each endpoint sent
        return new[]
        {
            Num(f.Id), f.Client.ToString(), f.Server.ToString(), Time(i.FirstNs), Time(i.LastNs), f.End.Name(),
            f.ClientState.Name(), f.ServerState.Name(), i.Midstream ? "1" : "0",
            Num(c.Packets), Num(s.Packets), Num(c.Bytes), Num(s.Bytes), Num(f.StreamBytesC2s), Num(f.StreamBytesS2c),
            Num(c.RetransmittedBytes), Num(s.RetransmittedBytes), Num(c.ConflictBytes), Num(s.ConflictBytes),
            Num(c.MissingBytes), Num(s.MissingBytes),
        };
    }

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Num(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Nanoseconds since the epoch as "seconds.nnnnnnnnn".</summary>
    public static string Time(ulong ns) =>
        string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000_000}.{ns % 1_000_000_000:D9}");
}
