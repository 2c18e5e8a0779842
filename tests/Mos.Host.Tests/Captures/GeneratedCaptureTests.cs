using System.Globalization;
using Mos.Native;

namespace Mos.Host.Tests.Captures;

/// <summary>`mos flowdump` on the benchmark's synthetic captures (bench/src/gen_captures.c,
/// fixed seed): many interleaved connections, in order, with 1 % reordering and 0.1 % loss
/// before the capture point (retransmitted), and 64-byte segments. Every direction must
/// have exactly the length and XXH64 the generator recorded for what a reassembler must
/// deliver.</summary>
public class GeneratedCaptureTests(GeneratedCaptureTests.Captures captures) : IClassFixture<GeneratedCaptureTests.Captures>
{
    /// <summary>The captures, generated once for the class (scale 0.05: 100 connections,
    /// about 85 MB) and deleted afterwards.</summary>
    public sealed class Captures : IDisposable
    {
        public string Dir { get; } = Generate();

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    private static string Generate()
    {
        string tool = Path.Combine(Repo.Root, "build", "native", "tools", "gen_captures");
        Assert.True(File.Exists(tool), $"{tool} is missing: run ./build.sh build first");
        string dir = Path.Combine(Path.GetTempPath(), $"mos-gen-{Environment.ProcessId}");
        var (code, _, err) = Repo.Run(tool, dir, "--scale", "0.05");
        Assert.True(code == 0, $"gen_captures failed: {err}");
        return dir;
    }

    private static unsafe ulong Xxh64(byte[] data)
    {
        fixed (byte* p = data)
            return Mtcp.XXH64(p, (nuint)data.Length, 0);
    }

    [Theory]
    [InlineData("inorder")]
    [InlineData("reorder")]
    [InlineData("small")]
    public void every_stream_has_the_generated_length_and_digest(string name)
    {
        string gen = captures.Dir;
        var digests = File.ReadLines(Path.Combine(gen, name + ".digests"))
            .Where(l => l.StartsWith("flow ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(p => ($"{p[2]}:{p[3]}", $"{p[4]}:{p[5]}"),
                p => (C2sLen: long.Parse(p[6]), C2s: ulong.Parse(p[7], NumberStyles.HexNumber),
                      S2cLen: long.Parse(p[8]), S2c: ulong.Parse(p[9], NumberStyles.HexNumber)));
        string dir = Path.Combine(Path.GetTempPath(), $"mos-gen-out-{Guid.NewGuid():N}");
        try
        {
            var (code, _, err) = Repo.Run(Repo.MosBinary, "flowdump", "--pcap", Path.Combine(gen, name + ".pcap"), "--out", dir);
            Assert.True(code == 0, err);
            Assert.Equal("", err); // no warning: every byte found buffer memory
            var index = SharedData.ReadTsv(Path.Combine(dir, "index.tsv"));
            Assert.Equal(digests.Count, index.Count);
            foreach (var row in index)
            {
                Assert.True(digests.TryGetValue((row["client"], row["server"]), out var d), $"unexpected connection {row["client"]} -> {row["server"]}");
                byte[] c2s = File.ReadAllBytes(Path.Combine(dir, row["id"] + ".c2s"));
                byte[] s2c = File.ReadAllBytes(Path.Combine(dir, row["id"] + ".s2c"));
                string what = $"{name} {row["client"]} -> {row["server"]}";
                Assert.True(c2s.Length == d.C2sLen && Xxh64(c2s) == d.C2s, $"{what} c2s: {c2s.Length} bytes, expected {d.C2sLen}");
                Assert.True(s2c.Length == d.S2cLen && Xxh64(s2c) == d.S2c, $"{what} s2c: {s2c.Length} bytes, expected {d.S2cLen}");
                Assert.Equal(("fin", "0", "0"), (row["end"], row["missing_c2s"], row["missing_s2c"]));
            }
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }
}
