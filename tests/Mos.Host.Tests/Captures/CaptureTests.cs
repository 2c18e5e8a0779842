namespace Mos.Host.Tests.Captures;

/// <summary>Every shared real capture with expected output through the published `mos`:
/// flowdump's connections and reassembled bytes equal tshark's (tcpflow's for the overlap
/// policy LAST and for NUL-filled holes), midstat lists the same connections with the final
/// states the capture implies. Where mOS-NG's documented behaviour differs from the
/// reference, capture-exceptions.tsv says what we produce and why, and that is asserted
/// exactly (a row that is no longer needed fails as stale).</summary>
public class CaptureTests
{
    private static readonly Lazy<CaptureExceptions> Exceptions = new(CaptureExceptions.Load);

    public static TheoryData<string> Captures() => new(SharedData.Captures());

    /// <summary>Captures with directions whose reference depends on a policy (compare.tsv:
    /// a conflicting overlap that tcpflow resolves last-wins, or holes tcpflow NUL-fills).</summary>
    public static TheoryData<string> PolicyCaptures() => new(SharedData.Captures()
        .Where(c => c == SharedData.Missing || PolicyDirections(c).Any()));

    private static IEnumerable<(string What, string Mode)> PolicyDirections(string capture) =>
        SharedData.ReadTsv(SharedData.Expected(capture, "compare.tsv"))
            .Where(r => r["class"].Contains("overlap") && r["tcpflow_vs_last_wins"] == "0" || r["class"] == "same-gapfill")
            .Select(r => ($"{r["idx"]}.{r["dir"]}", r["class"] == "same-gapfill" ? "fill" : "last"));

    private static void RequireData(string capture)
    {
        SharedData.Require();
        Assert.NotEqual(SharedData.Missing, capture);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void flowdump_connections_and_streams_equal_tshark(string capture)
    {
        RequireData(capture);
        var (dir, index) = CaptureRuns.Flowdump(capture);
        try
        {
            foreach (var (stream, ours) in CaptureRuns.Pair(capture, index, Exceptions.Value))
            {
                foreach (var d in new[] { "c2s", "s2c" })
                {
                    string what = $"{stream["idx"]}.{d}";
                    byte[] mine = File.ReadAllBytes(Path.Combine(dir, $"{ours.Id}.{d}"));
                    byte[] tshark = File.ReadAllBytes(SharedData.Expected(capture, "tshark", what));
                    Assert.Equal(mine.Length, long.Parse(ours.Row[$"stream_{d}"]));
                    if (Exceptions.Value.Find(capture, "first", what) is { } e)
                        CaptureExceptions.AssertBytes(e, capture, what, mine, tshark);
                    else
                        Assert.True(mine.AsSpan().SequenceEqual(tshark), $"{capture} {what}: {SharedData.Describe(mine, tshark)}");
                }
            }
            CheckExtraStreams(capture, dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The bytes of our extra connections: as the exceptions list them, else empty.</summary>
    private static void CheckExtraStreams(string capture, string dir)
    {
        foreach (var x in Exceptions.Value.For(capture, "conn").Where(e => e.Expect.StartsWith("extra ", StringComparison.Ordinal)))
        {
            foreach (var d in new[] { "c2s", "s2c" })
            {
                string what = $"{x.What}.{d}";
                byte[] mine = File.ReadAllBytes(Path.Combine(dir, $"{x.What["ours:".Length..]}.{d}"));
                if (Exceptions.Value.Find(capture, "first", what) is { } e)
                    CaptureExceptions.AssertBytes(e, capture, what, mine, Array.Empty<byte>());
                else
                    Assert.True(mine.Length == 0, $"{capture} {what}: {mine.Length} bytes, but no exception row lists them");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PolicyCaptures))]
    public void overlap_last_and_filled_holes_equal_tcpflow(string capture)
    {
        RequireData(capture);
        foreach (var group in PolicyDirections(capture).GroupBy(p => p.Mode))
        {
            string[] options = group.Key == "last" ? new[] { "--overlap", "last", "--fill-holes" } : new[] { "--fill-holes" };
            var (dir, index) = CaptureRuns.Flowdump(capture, options);
            try
            {
                var pairs = CaptureRuns.Pair(capture, index, Exceptions.Value);
                foreach (var (what, mode) in group)
                    CheckTcpflow(capture, mode, what, dir, pairs);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static void CheckTcpflow(string capture, string mode, string what, string dir,
        List<(Dictionary<string, string> Stream, OurConnection Ours)> pairs)
    {
        string idx = what[..what.IndexOf('.')], d = what[(what.IndexOf('.') + 1)..];
        if (!pairs.Any(p => p.Stream["idx"] == idx))
        {
            Assert.True(Exceptions.Value.Find(capture, "conn", idx)?.Expect == "absent", $"{capture} {what}: no connection");
            return;
        }
        var ours = pairs.First(p => p.Stream["idx"] == idx).Ours;
        byte[] mine = File.ReadAllBytes(Path.Combine(dir, $"{ours.Id}.{d}"));
        byte[] tcpflow = File.ReadAllBytes(SharedData.Expected(capture, "tcpflow", what));
        if (Exceptions.Value.Find(capture, mode, what) is { } e)
        {
            CaptureExceptions.AssertBytes(e, capture, what, mine, tcpflow);
            return;
        }
        Assert.True(mine.AsSpan().SequenceEqual(tcpflow), $"{capture} [{mode}] {what}: {SharedData.Describe(mine, tcpflow)}");
        if (mode == "fill")
        {
            // The NUL-filled holes are the holes tshark reported, byte for byte.
            long gaps = SharedData.ReadTsv(SharedData.Expected(capture, "tshark", "gaps.tsv"))
                .Where(g => g["idx"] == idx && g["dir"] == d).Sum(g => long.Parse(g["missing_bytes"]));
            Assert.Equal(gaps, long.Parse(ours.Row[$"missing_{d}"]));
        }
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void midstat_once_lists_the_connections_with_their_final_states(string capture)
    {
        RequireData(capture);
        var table = CaptureRuns.Midstat(capture);
        foreach (var (stream, ours) in CaptureRuns.Pair(capture, table, Exceptions.Value))
        {
            string got = $"{ours.ClientState} {ours.ServerState} {ours.End}";
            if (Exceptions.Value.Find(capture, "state", stream["idx"]) is { } e)
            {
                Assert.True(e.Expect == got, $"{capture} stream {stream["idx"]}: ours '{got}', the exception expects '{e.Expect}' ({e.Reason})");
                var (c0, s0, e0) = FinalStates.Expected(stream, ours.ClientState, ours.ServerState);
                Assert.False(c0.Contains(ours.ClientState) && s0.Contains(ours.ServerState) && e0.Contains(ours.End),
                    $"{capture} stream {stream["idx"]}: stale state exception, the mapping already allows '{got}'");
                continue;
            }
            var (client, server, end) = FinalStates.Expected(stream, ours.ClientState, ours.ServerState);
            Assert.True(client.Contains(ours.ClientState) && server.Contains(ours.ServerState) && end.Contains(ours.End),
                $"{capture} stream {stream["idx"]} ({ours.Client} -> {ours.Server}): ours '{got}', expected client in " +
                $"[{string.Join(',', client)}], server in [{string.Join(',', server)}], end in [{string.Join(',', end)}]");
        }
    }

    [Fact]
    public void every_exception_names_a_capture_with_expected_output()
    {
        SharedData.Require();
        var captures = SharedData.Captures().ToHashSet();
        foreach (var e in Exceptions.Value.Rows)
            Assert.True(captures.Contains(e.Capture), $"{CaptureExceptions.FileName}: unknown capture '{e.Capture}'");
    }
}
