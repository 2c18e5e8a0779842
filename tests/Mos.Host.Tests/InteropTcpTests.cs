using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Mos.Host.Tests;

/// <summary>Files served and fetched in the TCP interop tests (made once per run).</summary>
public sealed class InteropFiles : IDisposable
{
    public InteropFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), $"mos-www-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        var rng = new Random(20261126);
        foreach (var (name, size) in new[] { ("f1k", 1024), ("f1m", 1 << 20), ("f10m", 10 << 20), ("f100m", 100 << 20) })
        {
            var data = new byte[size];
            rng.NextBytes(data);
            File.WriteAllBytes(Path.Combine(Root, name), data);
            Sha256[name] = Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
        }
    }

    public string Root { get; }

    public Dictionary<string, string> Sha256 { get; } = new();

    public string PathOf(string name) => Path.Combine(Root, name);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>The end-host TCP stack against the Linux kernel, over a DPDK net_tap port and
/// namespaces the test builds (see Topology): curl downloads and uploads against
/// `mos epserver`, `mos epwget` against nginx, wrk against epserver — without loss and with
/// 3 % random loss in both directions (nftables in the router namespace). Needs root.</summary>
[Collection("interop")]
public sealed class InteropTcpTests : IClassFixture<InteropFiles>
{
    private readonly InteropFiles _files;

    public InteropTcpTests(InteropFiles files) => _files = files;

    private static string Sha256Of(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f)).ToLowerInvariant();
    }

    private void CurlAgainstEpserver(int lossPermille)
    {
        using var topo = new Topology();
        string conf = Path.Combine(_files.Root, "..", $"mos-{Guid.NewGuid():N}.conf");
        File.WriteAllText(conf, topo.StackConfig());
        try
        {
            var server = topo.StartMos("epserver", "--config", conf, "--root", _files.Root, "--port", "80");
            topo.Build();
            if (lossPermille > 0)
                topo.Loss(lossPermille);
            foreach (var name in new[] { "f1k", "f1m", "f100m" })
            {
                string outFile = Path.Combine(Path.GetTempPath(), $"mos-dl-{Guid.NewGuid():N}");
                try
                {
                    var r = topo.InHost(300_000, "curl", "-sS", "--max-time", "280", "-o", outFile,
                        $"http://{Topology.StackIp}/{name}");
                    Assert.True(r.Code == 0, $"curl {name} failed ({r.Code}): {r.Err}");
                    Assert.Equal(_files.Sha256[name], Sha256Of(outFile));
                }
                finally
                {
                    File.Delete(outFile);
                }
            }
            // Upload 10 MB: epserver answers the SHA-256 of the body it received.
            var up = topo.InHost(300_000, "curl", "-sS", "--max-time", "280", "-T", _files.PathOf("f10m"),
                $"http://{Topology.StackIp}/upload");
            Assert.True(up.Code == 0, $"curl upload failed ({up.Code}): {up.Err}");
            Assert.Equal(_files.Sha256["f10m"], up.Out.Trim());
            var (code, output, err) = Topology.Stop(server);
            Assert.True(code == 0, $"epserver exited with {code}: {err}");
            Assert.Contains("requests served", output);
        }
        finally
        {
            File.Delete(conf);
        }
    }

    [Fact]
    public void curl_downloads_and_uploads_are_byte_exact() => CurlAgainstEpserver(0);

    [Fact]
    public void curl_downloads_and_uploads_are_byte_exact_with_3_percent_loss_both_ways() => CurlAgainstEpserver(30);

    private void EpwgetAgainstNginx(int lossPermille)
    {
        using var topo = new Topology();
        string dir = Path.Combine(Path.GetTempPath(), $"mos-nginx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string conf = Path.Combine(dir, "mos.conf");
        File.WriteAllText(conf, topo.StackConfig());
        string nginxConf = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(nginxConf,
            "daemon off;\nworker_processes 1;\npid " + dir + "/nginx.pid;\nerror_log " + dir + "/error.log;\n" +
            "events { worker_connections 1024; }\nhttp {\n access_log off;\n" +
            " client_body_temp_path " + dir + ";\n proxy_temp_path " + dir + ";\n fastcgi_temp_path " + dir + ";\n" +
            " uwsgi_temp_path " + dir + ";\n scgi_temp_path " + dir + ";\n" +
            $" server {{ listen {Topology.HostIp}:8080; root {_files.Root}; }}\n}}\n");
        try
        {
            // nginx listens before epwget starts; the SYN sent before the TAP is attached
            // is retransmitted (a real client's situation on a link coming up).
            topo.Prepare();
            topo.StartInHost("nginx", "-c", nginxConf);
            string outFile = Path.Combine(dir, "got");
            var wget = topo.StartMos("epwget", "--config", conf, $"http://{Topology.HostIp}:8080/f100m",
                "--output", outFile, "--timeout", "280");
            topo.AttachTap();
            if (lossPermille > 0)
                topo.Loss(lossPermille);
            Assert.True(wget.WaitForExit(300_000), "epwget did not finish within 300 s");
            string stdout = wget.StandardOutput.ReadToEnd();
            Assert.True(wget.ExitCode == 0, $"epwget failed ({wget.ExitCode}): {stdout}{wget.StandardError.ReadToEnd()}");
            Assert.Contains("completed 1 of 1 requests, 0 errors", stdout);
            Assert.Equal(_files.Sha256["f100m"], Sha256Of(outFile));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void epwget_downloads_from_nginx_byte_exact() => EpwgetAgainstNginx(0);

    [Fact]
    public void epwget_downloads_from_nginx_byte_exact_with_3_percent_loss_both_ways() => EpwgetAgainstNginx(30);

    private void WrkAgainstEpserver(int lossPermille)
    {
        using var topo = new Topology();
        string conf = Path.Combine(Path.GetTempPath(), $"mos-{Guid.NewGuid():N}.conf");
        File.WriteAllText(conf, topo.StackConfig());
        try
        {
            var server = topo.StartMos("epserver", "--config", conf, "--root", _files.Root, "--port", "80");
            topo.Build();
            if (lossPermille > 0)
                topo.Loss(lossPermille);
            var r = topo.InHost(60_000, "wrk", "-t2", "-c64", "-d10s", "--timeout", "10s",
                $"http://{Topology.StackIp}/f1k");
            Assert.True(r.Code == 0, $"wrk failed ({r.Code}): {r.Out}{r.Err}");
            Assert.DoesNotContain("Socket errors", r.Out);
            Assert.DoesNotContain("Non-2xx", r.Out);
            var requests = Regex.Match(r.Out, @"(\d+) requests in");
            Assert.True(requests.Success && long.Parse(requests.Groups[1].Value) > 100, r.Out);
            var (code, _, err) = Topology.Stop(server);
            Assert.True(code == 0, $"epserver exited with {code}: {err}");
        }
        finally
        {
            File.Delete(conf);
        }
    }

    [Fact]
    public void wrk_against_epserver_for_10_seconds_without_errors() => WrkAgainstEpserver(0);

    [Fact]
    public void wrk_against_epserver_with_3_percent_loss_both_ways_without_errors() => WrkAgainstEpserver(30);
}
