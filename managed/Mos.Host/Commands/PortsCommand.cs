using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>`mos ports --config FILE`: starts the configured ports and describes them.</summary>
public sealed class PortsCommand : ICommand
{
    public string Name => "ports";

    public string Summary => "start the configured ports and list them (driver, MAC, link, queues, offloads)";

    public string Help => $"""
        Usage: mos ports --config FILE [--set KEY=VALUE]...

        Starts the I/O backend of the configuration (DPDK, pcap or sim), lists every port —
        name, driver, device, MAC, IPv4 address, link, speed, MTU, queues, offloads, RSS —
        and stops again.

        Options:
          --config FILE     the mos.conf to use
        {StackSetup.SetHelp}

        Exit codes: 0 success, 1 the ports could not be started, 2 invalid configuration,
        64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, "--config=", "--set=");
        if (a.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        using var cfg = StackSetup.Load(a, stderr);
        if (cfg is null)
            return ExitCodes.InvalidConfig;
        using var stack = Stack.Start(cfg);
        Print(stack.Ports, stdout);
        return ExitCodes.Ok;
    }

    public static void Print(IReadOnlyList<PortInfo> ports, TextWriter o)
    {
        foreach (var p in ports)
        {
            o.WriteLine($"port {p.Index}: {p.Name}");
            o.WriteLine($"  driver   {p.Driver}  (device {p.Device})");
            o.WriteLine($"  mac      {p.Mac}");
            o.WriteLine($"  address  {(p.Address is null ? "none" : $"{p.Address}/{p.PrefixLength}")}");
            o.WriteLine($"  link     {(p.LinkUp ? "up" : "down")}{(p.SpeedMbps > 0 ? $", {p.SpeedMbps} Mbit/s" : "")}, mtu {p.Mtu}");
            o.WriteLine($"  queues   {p.RxQueues} rx, {p.TxQueues} tx");
            o.WriteLine($"  offloads {Offloads(p.Caps)}");
            o.WriteLine($"  rss      {(p.Caps.HasFlag(PortCaps.Rss) ? $"{p.RetaSize}-entry table, {p.RssKey.Length}-byte key" : "software (the stack hashes)")}");
        }
    }

    private static string Offloads(PortCaps c)
    {
        var names = new List<string>();
        if (c.HasFlag(PortCaps.RxIpChecksum)) names.Add("rx-ipv4-csum");
        if (c.HasFlag(PortCaps.RxL4Checksum)) names.Add("rx-tcp-csum");
        if (c.HasFlag(PortCaps.TxIpChecksum)) names.Add("tx-ipv4-csum");
        if (c.HasFlag(PortCaps.TxTcpChecksum)) names.Add("tx-tcp-csum");
        if (c.HasFlag(PortCaps.VlanStrip)) names.Add("vlan-strip");
        if (!c.HasFlag(PortCaps.Transmit)) names.Add("receive-only");
        return names.Count > 0 ? string.Join(", ", names) : "none";
    }
}
