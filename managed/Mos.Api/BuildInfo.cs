using Mos.Native;

namespace Mos;

/// <summary>State of one public native function in this build.</summary>
public enum ApiState
{
    NotYet = Mtcp.MOS_API_NOT_YET,
    Partial = Mtcp.MOS_API_PARTIAL,
    Works = Mtcp.MOS_API_WORKS,
}

/// <summary>One row of the native API status table.</summary>
public sealed record ApiStatus(string Name, string Header, ApiState State, string Note);

/// <summary>I/O backends a build can contain.</summary>
[Flags]
public enum IoBackends
{
    None = 0,
    Sim = Mtcp.MOS_IO_BACKEND_SIM,
    Pcap = Mtcp.MOS_IO_BACKEND_PCAP,
    Dpdk = Mtcp.MOS_IO_BACKEND_DPDK,
}

/// <summary>What the linked native library is and implements.</summary>
public static unsafe class BuildInfo
{
    /// <summary>mOS-NG version ("0.1.0").</summary>
    public static string Version => NativeText.FromUtf8(Mtcp.mos_version()) ?? "?";

    /// <summary>The mOS release whose API is implemented.</summary>
    public static string ApiCompat => Mtcp.MOS_API_COMPAT;

    /// <summary>Linked DPDK version, or null when built without DPDK.</summary>
    public static string? DpdkVersion => NativeText.FromUtf8(Mtcp.mos_dpdk_version());

    /// <summary>Linked libpcap version, or null when built without libpcap.</summary>
    public static string? PcapVersion => NativeText.FromUtf8(Mtcp.mos_pcap_version());

    /// <summary>I/O backends that can move packets in this build.</summary>
    public static IoBackends Backends => (IoBackends)Mtcp.mos_io_backends();

    /// <summary>The status of every public function, in header order.</summary>
    public static IReadOnlyList<ApiStatus> ApiTable()
    {
        int count;
        mos_api_status* rows = Mtcp.mos_api_status_table(&count);
        var list = new List<ApiStatus>(count);
        for (int i = 0; i < count; i++)
        {
            list.Add(new ApiStatus(
                NativeText.FromUtf8(rows[i].name) ?? "",
                NativeText.FromUtf8(rows[i].header) ?? "",
                (ApiState)rows[i].state,
                NativeText.FromUtf8(rows[i].note) ?? ""));
        }
        return list;
    }
}
