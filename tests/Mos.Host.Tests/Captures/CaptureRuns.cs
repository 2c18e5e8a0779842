namespace Mos.Host.Tests.Captures;

/// <summary>A connection as `mos flowdump` (index.tsv) or `mos midstat --once` reports it.</summary>
internal sealed record OurConnection(long Id, string Client, string Server, string ClientState, string ServerState,
    string End, IReadOnlyDictionary<string, string> Row);

/// <summary>Runs the published `mos` on a capture and pairs its connections with tshark's.</summary>
internal static class CaptureRuns
{
    /// <summary>`mos flowdump --pcap` into a fresh directory; returns it and the index.</summary>
    public static (string Dir, List<OurConnection> Index) Flowdump(string capture, params string[] options)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mos-flowdump-{Guid.NewGuid():N}");
        var args = new[] { "flowdump", "--pcap", SharedData.Pcap(capture), "--out", dir }.Concat(options).ToArray();
        var (code, _, err) = Repo.Run(Repo.MosBinary, args);
        Assert.True(code == 0, $"mos {string.Join(' ', args)} exited {code}: {err}");
        var rows = SharedData.ReadTsv(Path.Combine(dir, "index.tsv"));
        return (dir, rows.Select(r => new OurConnection(long.Parse(r["id"]), r["client"], r["server"], r["client_state"],
            r["server_state"], r["end"], r)).ToList());
    }

    /// <summary>`mos midstat --pcap --once`: the final table (ids are row positions).</summary>
    public static List<OurConnection> Midstat(string capture)
    {
        var (code, output, err) = Repo.Run(Repo.MosBinary, "midstat", "--pcap", SharedData.Pcap(capture), "--once");
        Assert.True(code == 0, $"mos midstat --pcap {capture} --once exited {code}: {err}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(MidstatFormat.FinalHeader, lines[0]);
        return lines.Skip(1).Select((l, i) =>
        {
            var c = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(c.Length == 7 && c[0] == "tcp", $"bad midstat row '{l}'");
            return new OurConnection(i, c[2], c[4], c[3], c[5], c[6], new Dictionary<string, string>());
        }).ToList();
    }

    /// <summary>Pairs our connections with tshark's streams (connections.tsv, in order):
    /// streams the exceptions mark absent are skipped, extra connections of ours must be the
    /// listed ones; everything else must pair up in order with equal client and server.</summary>
    public static List<(Dictionary<string, string> Stream, OurConnection Ours)> Pair(string capture,
        IReadOnlyList<OurConnection> ours, CaptureExceptions ex)
    {
        var streams = SharedData.ReadTsv(SharedData.Expected(capture, "connections.tsv"));
        var conn = ex.For(capture, "conn").ToList();
        var absent = conn.Where(e => e.Expect == "absent").Select(e => e.What).ToHashSet();
        foreach (var a in absent)
            Assert.True(streams.Any(s => s["idx"] == a), $"{CaptureExceptions.FileName}: {capture} has no stream {a}");
        var extras = conn.Where(e => e.Expect.StartsWith("extra ", StringComparison.Ordinal))
            .ToDictionary(e => long.Parse(e.What["ours:".Length..]));
        var expected = streams.Where(s => !absent.Contains(s["idx"])).ToList();
        var rest = new List<OurConnection>();
        foreach (var o in ours)
        {
            if (extras.Remove(o.Id, out var x))
                Assert.True(x.Expect == $"extra {o.Client} {o.Server}", $"{capture}: our connection {o.Id} is {o.Client} -> {o.Server}, the exception says '{x.Expect}'");
            else
                rest.Add(o);
        }
        Assert.True(extras.Count == 0, $"{capture}: the exceptions list extra connections we do not have: {string.Join(", ", extras.Keys)}");
        string Show(IEnumerable<(string C, string S)> l) => string.Join("; ", l.Select(p => $"{p.C} -> {p.S}"));
        var want = expected.Select(s => (C: s["client"], S: s["server"])).ToList();
        var got = rest.Select(o => (C: o.Client, S: o.Server)).ToList();
        Assert.True(want.SequenceEqual(got), $"{capture}: connections differ.\n  tshark: {Show(want)}\n  ours:   {Show(got)}");
        return expected.Zip(rest).ToList();
    }
}

/// <summary>The final-table header of midstat (kept here so a format change breaks a test).</summary>
internal static class MidstatFormat
{
    public const string FinalHeader = "Proto CPU Client Address        Client State Server Address        Server State End";
    public const string LiveHeader = "Proto CPU Client Address        Client State Server Address        Server State";
}
