namespace Mos.Host.Tests.Captures;

/// <summary>One row of capture-exceptions.tsv: where mOS-NG's documented behaviour differs
/// from the reference tool, what it produces instead, and why.</summary>
/// <param name="Capture">source/name of the capture.</param>
/// <param name="Mode">Which run or check: conn (the connection list), first (the default
/// run, compared with tshark), last (--overlap last --fill-holes, compared with tcpflow),
/// fill (--fill-holes, compared with tcpflow), state (midstat's final states).</param>
/// <param name="What">tshark stream "IDX", a direction "IDX.c2s"/"IDX.s2c", an extra
/// connection of ours "ours:ID", or a direction of it "ours:ID.c2s".</param>
/// <param name="Expect">absent | extra CLIENT SERVER | tcpflow | empty |
/// sha256:HEX:LENGTH | CLIENT_STATE SERVER_STATE END.</param>
/// <param name="Reason">Why.</param>
internal sealed record CaptureException(string Capture, string Mode, string What, string Expect, string Reason);

/// <summary>tests/Mos.Host.Tests/capture-exceptions.tsv, with lookups.</summary>
internal sealed class CaptureExceptions
{
    public const string FileName = "capture-exceptions.tsv";

    private static readonly string[] Modes = { "conn", "first", "last", "fill", "state" };

    private CaptureExceptions(IReadOnlyList<CaptureException> rows) => Rows = rows;

    public IReadOnlyList<CaptureException> Rows { get; }

    public static CaptureExceptions Load()
    {
        string path = Path.Combine(Repo.Root, "tests", "Mos.Host.Tests", FileName);
        var rows = new List<CaptureException>();
        int line = 0;
        foreach (var text in File.ReadAllLines(path))
        {
            line++;
            if (text.Length == 0 || text.StartsWith('#'))
                continue;
            var c = text.Split('\t');
            Assert.True(c.Length == 5, $"{FileName}:{line}: expected 5 tab-separated columns, got {c.Length}");
            Assert.True(Modes.Contains(c[1]), $"{FileName}:{line}: unknown mode '{c[1]}'");
            Assert.False(string.IsNullOrWhiteSpace(c[4]), $"{FileName}:{line}: every exception needs a reason");
            rows.Add(new CaptureException(c[0], c[1], c[2], c[3], c[4]));
        }
        var dup = rows.GroupBy(r => (r.Capture, r.Mode, r.What)).FirstOrDefault(g => g.Count() > 1);
        Assert.True(dup is null, $"{FileName}: {dup?.Key} is listed twice");
        return new CaptureExceptions(rows);
    }

    public IEnumerable<CaptureException> For(string capture, string mode) =>
        Rows.Where(r => r.Capture == capture && r.Mode == mode);

    public CaptureException? Find(string capture, string mode, string what) =>
        Rows.FirstOrDefault(r => r.Capture == capture && r.Mode == mode && r.What == what);

    /// <summary>The bytes an exception expects: tcpflow's file of the direction, nothing,
    /// or bytes known by length and SHA-256 (null: compare by hash).</summary>
    public static (byte[]? Bytes, string? Sha, int Length) Bytes(CaptureException e, string capture, string what)
    {
        if (e.Expect == "empty")
            return (Array.Empty<byte>(), null, 0);
        if (e.Expect == "tcpflow")
        {
            var b = File.ReadAllBytes(SharedData.Expected(capture, "tcpflow", what));
            return (b, null, b.Length);
        }
        var p = e.Expect.Split(':');
        Assert.True(p.Length == 3 && p[0] == "sha256",
            $"{FileName}: {capture} {e.Mode} {e.What}: expect must be tcpflow, empty or sha256:HEX:LENGTH, got '{e.Expect}'");
        return (null, p[1], int.Parse(p[2]));
    }

    /// <summary>Asserts that <paramref name="ours"/> is what the exception says.</summary>
    public static void AssertBytes(CaptureException e, string capture, string what, byte[] ours, byte[] reference)
    {
        var (bytes, sha, length) = Bytes(e, capture, what);
        string where = $"{capture} [{e.Mode}] {e.What} (exception: {e.Reason})";
        Assert.False(bytes is null ? SharedData.Sha256(reference) == sha && reference.Length == length : bytes.AsSpan().SequenceEqual(reference),
            $"{where}: stale exception, the reference itself is what it expects; remove the row");
        if (bytes is not null)
            Assert.True(bytes.AsSpan().SequenceEqual(ours), $"{where}: {SharedData.Describe(ours, bytes)}");
        else
            Assert.True(SharedData.Sha256(ours) == sha && ours.Length == length,
                $"{where}: ours {ours.Length} bytes sha256 {SharedData.Sha256(ours)}, the exception expects {length} bytes sha256 {sha}");
    }
}
