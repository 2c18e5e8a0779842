using System.Diagnostics;
using System.Text.Json;

namespace Mos.Host.Tests;

/// <summary>`mos up` against the Linux kernel: the published binary drives a DPDK net_tap
/// port whose kernel side the test moves into a network namespace it creates; Linux ping
/// and arping talk to the stack, malformed frames are injected from the namespace. Needs
/// root (CI runs as root); the namespace is removed even when the test fails.</summary>
[Collection("interop")]
public sealed class InteropUpTests : IDisposable
{
    private readonly string _ns = $"mosup{Environment.ProcessId % 100000}";
    private readonly string _iface = $"mosu{Environment.ProcessId % 1000000}";
    private readonly List<string> _temp = new();
    private Process? _mos;

    public void Dispose()
    {
        if (_mos is { HasExited: false })
            _mos.Kill(entireProcessTree: true);
        _mos?.Dispose();
        Repo.Run("ip", "netns", "del", _ns);
        foreach (var f in _temp)
            File.Delete(f);
    }

    private static void RequireRoot()
    {
        var (_, uid, _) = Repo.Run("id", "-u");
        Assert.True(uid.Trim() == "0", "this interop test needs root (network namespaces, TAP devices); CI runs as root");
    }

    private string Temp(string suffix, string text = "")
    {
        string path = Path.Combine(Path.GetTempPath(), $"mos-up-{Guid.NewGuid():N}{suffix}");
        File.WriteAllText(path, text);
        _temp.Add(path);
        return path;
    }

    private (int Code, string Out, string Err) InNs(params string[] args) =>
        Repo.Run("ip", new[] { "netns", "exec", _ns }.Concat(args).ToArray());

    private void Check(params string[] args)
    {
        var (code, o, e) = Repo.Run(args[0], args.Skip(1).ToArray());
        Assert.True(code == 0, $"{string.Join(' ', args)} failed ({code}): {o}{e}");
    }

    private void StartMosUp(string config, string statsJson)
    {
        var psi = new ProcessStartInfo(Repo.MosBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "up", "--config", config, "--stats-json", statsJson, "--quiet" })
            psi.ArgumentList.Add(a);
        _mos = Process.Start(psi)!;
        Topology.WaitForTap(_mos, _iface, Topology.StackMac, "mos up");
    }

    private void MoveTapIntoNamespace()
    {
        Check("ip", "netns", "add", _ns);
        Check("ip", "link", "set", _iface, "netns", _ns);
        Check("ip", "netns", "exec", _ns, "ip", "link", "set", "lo", "up");
        Check("ip", "netns", "exec", _ns, "ip", "addr", "add", "198.51.100.2/24", "dev", _iface);
        Check("ip", "netns", "exec", _ns, "ip", "link", "set", _iface, "up");
    }

    private static Dictionary<string, ulong> Drops(string statsJson)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(statsJson));
        var port = doc.RootElement.GetProperty("ports")[0];
        return port.GetProperty("drop_reasons").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetUInt64());
    }

    [Fact]
    public void ping_and_arping_from_a_namespace_reach_mos_up_and_malformed_frames_are_counted_drops()
    {
        RequireRoot();
        string config = Temp(".conf",
            "mos {\n\tio = dpdk\n\tforward = 0\n\tnetdev {\n" +
            $"\t\td0 0x1 device=net_tap0,iface={_iface} ip=198.51.100.1/24 mac={Topology.StackMac}\n" +
            "\t}\n}\n");
        string stats = Temp(".json");
        StartMosUp(config, stats);
        MoveTapIntoNamespace();

        var ping = InNs("ping", "-c", "100", "-i", "0.01", "-W", "2", "198.51.100.1");
        Assert.True(ping.Code == 0, ping.Out + ping.Err);
        Assert.Contains("100 packets transmitted, 100 received", ping.Out);

        var arping = InNs("arping", "-c", "3", "-w", "5", "-I", _iface, "198.51.100.1");
        Assert.True(arping.Code == 0, arping.Out + arping.Err);
        Assert.Contains("02:00:00:00:00:01", arping.Out, StringComparison.OrdinalIgnoreCase);

        var inject = InNs(new[] { "python3", "-c", Frames.InjectScript, _iface }.Concat(Frames.Malformed()).ToArray());
        Assert.True(inject.Code == 0, inject.Out + inject.Err);
        var again = InNs("ping", "-c", "5", "-i", "0.05", "-W", "2", "198.51.100.1");
        Assert.Contains("5 packets transmitted, 5 received", again.Out);

        // Counters reach the JSON file within a second or two.
        var deadline = Stopwatch.StartNew();
        Dictionary<string, ulong> drops;
        do
        {
            Thread.Sleep(300);
            drops = Drops(stats);
        } while (!drops.ContainsKey("ipv4_bad_checksum") && deadline.Elapsed < TimeSpan.FromSeconds(10));
        foreach (var reason in new[] { "vlan_truncated", "ipv4_bad_ihl", "ipv4_truncated", "ipv4_bad_checksum", "icmp_bad_checksum" })
            Assert.True(drops.GetValueOrDefault(reason) >= 1, $"no {reason} drop counted: {string.Join(", ", drops)}");

        Check("kill", "-INT", _mos!.Id.ToString());
        Assert.True(_mos.WaitForExit(30_000), "mos up did not stop within 30 s of SIGINT");
        string output = _mos.StandardOutput.ReadToEnd();
        Assert.Equal(0, _mos.ExitCode);
        Assert.Contains("mos up: stopped", output);
        Assert.Matches(@"d0: rx \d+ frames", output);
    }
}

/// <summary>Frames for injection through an AF_PACKET socket (hex strings).</summary>
internal static class Frames
{
    public const string InjectScript =
        "import socket,sys\n" +
        "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n" +
        "s.bind((sys.argv[1],0))\n" +
        "[s.send(bytes.fromhex(h)) for h in sys.argv[2:]]\n";

    private static readonly byte[] Dst = { 0x02, 0, 0, 0, 0, 0x01 };
    private static readonly byte[] Src = { 0x02, 0, 0, 0, 0, 0x02 };

    /// <summary>A valid echo request to 198.51.100.1; callers break one thing each.</summary>
    private static byte[] Echo()
    {
        var f = new byte[14 + 20 + 8 + 16];
        Dst.CopyTo(f, 0);
        Src.CopyTo(f, 6);
        f[12] = 0x08;
        byte[] ip = { 0x45, 0, 0, 44, 0, 1, 0, 0, 64, 1, 0, 0, 198, 51, 100, 2, 198, 51, 100, 1 };
        ip.CopyTo(f, 14);
        Put16(f, 24, Checksum(f, 14, 20));
        f[34] = 8; // echo request
        Put16(f, 38, 0x4242);
        Put16(f, 40, 1);
        Put16(f, 36, Checksum(f, 34, 24));
        return f;
    }

    public static IEnumerable<string> Malformed()
    {
        // A VLAN ethertype with no tag after it (the kernel refuses frames shorter than
        // an Ethernet header on a packet socket, so this is the shortest malformed frame).
        var tag = Echo()[..14]; tag[12] = 0x81; tag[13] = 0x00; yield return Convert.ToHexString(tag);
        var ihl = Echo(); ihl[14] = 0x44; yield return Convert.ToHexString(ihl);
        var totlen = Echo(); Put16(totlen, 16, 1400); Put16(totlen, 24, 0); Put16(totlen, 24, Checksum(totlen, 14, 20));
        yield return Convert.ToHexString(totlen);
        var ipsum = Echo(); ipsum[24] ^= 0xff; yield return Convert.ToHexString(ipsum);
        var icmpsum = Echo(); icmpsum[36] ^= 0x01; yield return Convert.ToHexString(icmpsum);
    }

    private static void Put16(byte[] f, int off, ushort v)
    {
        f[off] = (byte)(v >> 8);
        f[off + 1] = (byte)v;
    }

    private static ushort Checksum(byte[] f, int off, int len)
    {
        uint sum = 0;
        for (int i = 0; i < len; i += 2)
            sum += (uint)(f[off + i] << 8 | (i + 1 < len ? f[off + i + 1] : 0));
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
