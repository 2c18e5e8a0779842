using System.Diagnostics;

namespace Mos.Host.Tests;

/// <summary>Interop tests run one at a time: they share the machine's two cores with `mos`
/// processes busy-polling their ports, and timing-sensitive peers (ping, wrk) suffer when
/// several run at once.</summary>
[CollectionDefinition("interop", DisableParallelization = true)]
public sealed class InteropCollection;

/// <summary>A small network made of namespaces around a `mos` process whose DPDK net_tap
/// port appears as a kernel interface:
///
///   mos (198.51.100.1/24, gw .254) == tap ==> [router ns: tap 198.51.100.254/24,
///   veth 203.0.113.254/24, forwarding, optional nftables loss on both ingresses]
///   -- veth --> [host ns: 203.0.113.2/24, gw .254: curl, nginx, wrk]
///
/// Everything the test creates is removed on dispose, even after a failure. Needs root.</summary>
public sealed class Topology : IDisposable
{
    private static int _serial;
    private readonly int _id = Environment.ProcessId % 10000 * 10 + Interlocked.Increment(ref _serial) % 10;
    private readonly List<Process> _procs = new();

    public Topology()
    {
        var (_, uid, _) = Repo.Run("id", "-u");
        Assert.True(uid.Trim() == "0", "interop tests need root (network namespaces, TAP devices); CI runs as root");
    }

    public string Tap => $"mtap{_id}";
    public string RouterNs => $"mosr{_id}";
    public string HostNs => $"mosh{_id}";
    private string RouterVeth => $"mvr{_id}";
    private string HostVeth => $"mvh{_id}";

    public const string StackIp = "198.51.100.1";
    public const string HostIp = "203.0.113.2";

    /// <summary>A configuration for `mos` with one TAP port and a default route via the router.</summary>
    public string StackConfig(int cores = 1) =>
        "mos {\n\tio = dpdk\n\tforward = 0\n\tmax_concurrency = 20000\n\trmem_size = 262144\n\twmem_size = 262144\n" +
        $"\tnetdev {{\n\t\td0 0x{(1 << cores) - 1:x} device=net_tap0,iface={Tap} ip={StackIp}/24 mac={StackMac}\n\t}}\n" +
        "\troute_table {\n\t\t0.0.0.0/0 d0 gw=198.51.100.254\n\t}\n}\n" +
        "application {\n\ttype = end\n\trun = test\n}\n";

    /// <summary>Starts a `mos` command and waits until its TAP interface exists.</summary>
    public Process StartMos(params string[] args)
    {
        var psi = new ProcessStartInfo(Repo.MosBinary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _procs.Add(p);
        WaitForTap(p, Tap, StackMac, $"mos {string.Join(' ', args)}");
        return p;
    }

    /// <summary>The MAC every stack configuration of these tests gives its port.</summary>
    public const string StackMac = "02:00:00:00:00:01";

    /// <summary>Waits until the DPDK TAP port of `mos` is fully set up: the kernel side of
    /// a net_tap port is configured by the driver through its name in the stack's
    /// namespace (MAC, then up when the port starts, then promiscuous and all-multicast),
    /// so moving it into another namespace before the last step leaves a port that
    /// transmits nothing. The interface merely existing is not enough (under load the
    /// move overtook the driver and the connection never started).</summary>
    public static void WaitForTap(Process p, string iface, string mac, string what)
    {
        const int IffUp = 0x1, IffPromisc = 0x100, IffAllmulti = 0x200;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string dir = $"/sys/class/net/{iface}";
            if (Directory.Exists(dir))
            {
                try
                {
                    int flags = Convert.ToInt32(File.ReadAllText($"{dir}/flags").Trim(), 16);
                    string addr = File.ReadAllText($"{dir}/address").Trim();
                    const int ready = IffUp | IffPromisc | IffAllmulti;
                    if ((flags & ready) == ready && addr == mac)
                        return;
                }
                catch (IOException)
                {
                    // the interface went away between the checks: look again
                }
            }
            if (p.HasExited)
                Assert.Fail($"{what} exited early ({p.ExitCode}): {p.StandardError.ReadToEnd()}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the TAP interface {iface} was not set up within 30 s");
            Thread.Sleep(20);
        }
    }

    private static void Sh(params string[] args)
    {
        var (code, o, e) = Repo.Run(args[0], args.Skip(1).ToArray());
        Assert.True(code == 0, $"{string.Join(' ', args)} failed ({code}): {o}{e}");
    }

    private void InNs(string ns, params string[] args) => Sh(new[] { "ip", "netns", "exec", ns }.Concat(args).ToArray());

    /// <summary>Builds the router and host namespaces and the veth between them; the TAP
    /// joins with <see cref="AttachTap"/> once `mos` has created it.</summary>
    public void Prepare()
    {
        Sh("ip", "netns", "add", RouterNs);
        Sh("ip", "netns", "add", HostNs);
        Sh("ip", "link", "add", RouterVeth, "type", "veth", "peer", "name", HostVeth);
        Sh("ip", "link", "set", RouterVeth, "netns", RouterNs);
        Sh("ip", "link", "set", HostVeth, "netns", HostNs);
        InNs(RouterNs, "ip", "link", "set", "lo", "up");
        InNs(RouterNs, "ip", "addr", "add", "203.0.113.254/24", "dev", RouterVeth);
        InNs(RouterNs, "ip", "link", "set", RouterVeth, "up");
        InNs(RouterNs, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        InNs(HostNs, "ip", "link", "set", "lo", "up");
        InNs(HostNs, "ip", "addr", "add", $"{HostIp}/24", "dev", HostVeth);
        InNs(HostNs, "ip", "link", "set", HostVeth, "up");
        InNs(HostNs, "ip", "route", "add", "default", "via", "203.0.113.254");
    }

    /// <summary>Moves the TAP `mos` created into the router namespace and brings it up.</summary>
    public void AttachTap()
    {
        Sh("ip", "link", "set", Tap, "netns", RouterNs);
        InNs(RouterNs, "ip", "addr", "add", "198.51.100.254/24", "dev", Tap);
        InNs(RouterNs, "ip", "link", "set", Tap, "up");
    }

    /// <summary>Prepare and AttachTap.</summary>
    public void Build()
    {
        Prepare();
        AttachTap();
    }

    /// <summary>Drops `permille`/1000 of the frames entering the router from either side.</summary>
    public void Loss(int permille)
    {
        InNs(RouterNs, "nft", "add", "table", "netdev", "loss");
        foreach (var dev in new[] { Tap, RouterVeth })
        {
            InNs(RouterNs, "nft", "add", "chain", "netdev", "loss", $"in_{dev}",
                $"{{ type filter hook ingress device {dev} priority 0; }}");
            InNs(RouterNs, "nft", "add", "rule", "netdev", "loss", $"in_{dev}", "numgen", "random", "mod", "1000",
                "<", permille.ToString(), "drop");
        }
    }

    /// <summary>Runs a command in the host namespace (bounded by timeoutMs).</summary>
    public (int Code, string Out, string Err) InHost(int timeoutMs, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", HostNs }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{string.Join(' ', args)} did not finish within {timeoutMs / 1000} s");
        }
        return (p.ExitCode, o.Result, e.Result);
    }

    /// <summary>Starts a long-running command in the host namespace (stopped on dispose).</summary>
    public Process StartInHost(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", HostNs }.Concat(args))
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _procs.Add(p);
        return p;
    }

    /// <summary>Sends SIGINT to a `mos` process and waits for it (bounded).</summary>
    public static (int Code, string Out, string Err) Stop(Process p, int timeoutMs = 30_000)
    {
        Repo.Run("kill", "-INT", p.Id.ToString());
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("mos did not stop within 30 s of SIGINT");
        }
        return (p.ExitCode, p.StandardOutput.ReadToEnd(), p.StandardError.ReadToEnd());
    }

    public void Dispose()
    {
        foreach (var p in _procs)
        {
            try
            {
                if (!p.HasExited)
                    p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        Repo.Run("ip", "netns", "del", RouterNs);
        Repo.Run("ip", "netns", "del", HostNs);
    }
}
