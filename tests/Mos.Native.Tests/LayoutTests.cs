// C# struct layouts against the C compiler (layout probe) and against the sizes and
// offsets the specification states (spec §3).
using Xunit;

namespace Mos.Native.Tests;

public class LayoutTests
{
    [Fact]
    public void every_probed_struct_and_field_has_the_c_size_and_offset_in_csharp()
    {
        var problems = new List<string>();
        foreach (ProbeRecord r in LayoutProbe.Records)
            problems.AddRange(Compare(r));
        Assert.True(problems.Count == 0, "layout mismatches (C vs C#):\n  " + string.Join("\n  ", problems));
    }

    private static IEnumerable<string> Compare(ProbeRecord r)
    {
        Type? t = Reflected.Struct(r.Name);
        if (t == null)
        {
            yield return $"{r.Name}: probed by C but no C# struct Mos.Native.{r.Name}";
            yield break;
        }
        if (r.Opaque)
        {
            if (t.GetFields().Length != 0)
                yield return $"{r.Name}: opaque in C but has fields in C#";
            yield break;
        }
        if (Reflected.SizeOf(t) != r.Size)
            yield return $"{r.Name}: sizeof C {r.Size}, C# {Reflected.SizeOf(t)}";
        foreach (ProbeField f in r.Fields)
        {
            string? problem = CompareField(t, r.Name, f);
            if (problem != null)
                yield return problem;
        }
    }

    private static string? CompareField(Type t, string record, ProbeField f)
    {
        var field = Reflected.Field(t, f.Name);
        if (field == null)
            return $"{record}.{f.Name}: no such C# field";
        int offset = Reflected.OffsetOf(t, field);
        int size = Reflected.SizeOf(field.FieldType);
        if (offset != f.Offset || size != f.Size)
            return $"{record}.{f.Name}: C offset {f.Offset} size {f.Size}, C# offset {offset} size {size}";
        return null;
    }

    [Fact]
    public void every_csharp_record_type_and_field_is_checked_by_the_probe()
    {
        var probed = LayoutProbe.Records.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (Type t in Reflected.RecordTypes())
        {
            if (!probed.TryGetValue(t.Name, out ProbeRecord? r))
            {
                problems.Add($"{t.Name}: not in the probe output (regenerate, rebuild build/native)");
                continue;
            }
            var cFields = r.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(t.GetFields().Where(f => !f.IsStatic && !cFields.Contains(f.Name) && !cFields.Contains(f.Name.TrimEnd('_')))
                .Select(f => $"{t.Name}.{f.Name}: C# field not probed"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void the_probe_covers_every_record_of_the_header_model()
    {
        var model = GeneratorFixture.Model;
        var expected = model.All<Mos.Bindings.Generator.Model.CRecord>().Concat(model.Mirrors).Select(r => r.Name).Order(StringComparer.Ordinal);
        var probed = LayoutProbe.Records.Select(r => r.Name).Order(StringComparer.Ordinal);
        Assert.Equal(expected, probed);
    }

    [Theory]
    [InlineData(typeof(mtcp_conf), 3488)]
    [InlineData(typeof(pkt_info), 72)]
    [InlineData(typeof(pkt_ctx), 80)]
    [InlineData(typeof(tcp_buf_info), 16)]
    [InlineData(typeof(tcp_ring_fragment), 16)]
    [InlineData(typeof(mtcp_epoll_event), 16)]
    [InlineData(typeof(filter_arg), 16)]
    [InlineData(typeof(monitor_filter), 16)]
    [InlineData(typeof(mtcp_epoll_data), 8)]
    [InlineData(typeof(mtcp_context), 4)]
    [InlineData(typeof(seq_remap_info), 16)]
    [InlineData(typeof(sockaddr), 16)]
    [InlineData(typeof(sockaddr_in), 16)]
    [InlineData(typeof(in_addr), 4)]
    [InlineData(typeof(timeval), 16)]
    [InlineData(typeof(iovec), 16)]
    public void struct_has_the_size_the_spec_states(Type t, int size) => Assert.Equal(size, Reflected.SizeOf(t));

    [Theory]
    [InlineData(typeof(mtcp_conf), "num_cores", 0)]
    [InlineData(typeof(mtcp_conf), "max_concurrency", 4)]
    [InlineData(typeof(mtcp_conf), "cpu_mask", 8)]
    [InlineData(typeof(mtcp_conf), "max_num_buffers", 16)]
    [InlineData(typeof(mtcp_conf), "rcvbuf_size", 20)]
    [InlineData(typeof(mtcp_conf), "sndbuf_size", 24)]
    [InlineData(typeof(mtcp_conf), "tcp_timewait", 28)]
    [InlineData(typeof(mtcp_conf), "tcp_timeout", 32)]
    [InlineData(typeof(mtcp_conf), "app_cpu_mask", 40)]
    [InlineData(typeof(mtcp_conf), "app_argv", 200)]
    [InlineData(typeof(mtcp_conf), "app_argc", 3400)]
    [InlineData(typeof(mtcp_conf), "num_app", 3480)]
    [InlineData(typeof(pkt_info), "cur_ts", 0)]
    [InlineData(typeof(pkt_info), "in_ifidx", 4)]
    [InlineData(typeof(pkt_info), "eth_len", 6)]
    [InlineData(typeof(pkt_info), "ip_len", 8)]
    [InlineData(typeof(pkt_info), "offset", 16)]
    [InlineData(typeof(pkt_info), "payloadlen", 24)]
    [InlineData(typeof(pkt_info), "seq", 28)]
    [InlineData(typeof(pkt_info), "ack_seq", 32)]
    [InlineData(typeof(pkt_info), "window", 36)]
    [InlineData(typeof(pkt_info), "ethh", 40)]
    [InlineData(typeof(pkt_info), "iph", 48)]
    [InlineData(typeof(pkt_info), "tcph", 56)]
    [InlineData(typeof(pkt_info), "payload", 64)]
    [InlineData(typeof(pkt_ctx), "p", 0)]
    [InlineData(typeof(pkt_ctx), "direction", 72)]
    [InlineData(typeof(pkt_ctx), "forward", 73)]
    [InlineData(typeof(pkt_ctx), "out_ifidx", 74)]
    [InlineData(typeof(pkt_ctx), "batch_index", 75)]
    [InlineData(typeof(tcp_buf_info), "tcpbi_init_seq", 0)]
    [InlineData(typeof(tcp_buf_info), "tcpbi_last_byte_read", 4)]
    [InlineData(typeof(tcp_buf_info), "tcpbi_next_byte_expected", 8)]
    [InlineData(typeof(tcp_buf_info), "tcpbi_last_byte_received", 12)]
    [InlineData(typeof(tcp_ring_fragment), "offset", 0)]
    [InlineData(typeof(tcp_ring_fragment), "len", 8)]
    [InlineData(typeof(filter_arg), "arg", 0)]
    [InlineData(typeof(filter_arg), "len", 8)]
    [InlineData(typeof(monitor_filter), "raw_pkt_filter", 0)]
    [InlineData(typeof(monitor_filter), "stream_syn_filter", 0)]
    [InlineData(typeof(monitor_filter), "stream_orphan_filter", 8)]
    [InlineData(typeof(mtcp_epoll_event), "events", 0)]
    [InlineData(typeof(mtcp_epoll_event), "data", 8)]
    [InlineData(typeof(sockaddr_in), "sin_family", 0)]
    [InlineData(typeof(sockaddr_in), "sin_port", 2)]
    [InlineData(typeof(sockaddr_in), "sin_addr", 4)]
    [InlineData(typeof(sockaddr_in), "sin_zero", 8)]
    [InlineData(typeof(timeval), "tv_usec", 8)]
    [InlineData(typeof(iovec), "iov_len", 8)]
    public void field_has_the_offset_the_spec_states(Type t, string field, int offset)
    {
        var f = Reflected.Field(t, field);
        Assert.NotNull(f);
        Assert.Equal(offset, Reflected.OffsetOf(t, f));
    }

    [Fact]
    public unsafe void app_argv_is_a_20_by_20_array_of_pointers_indexable_from_csharp()
    {
        var conf = new mtcp_conf();
        conf.app_argv[19][19] = 0x1234;
        byte* start = (byte*)&conf;
        Assert.Equal(0x1234, *(nint*)(start + 200 + (19 * 20 + 19) * sizeof(nint)));
        Assert.Equal(3200, sizeof(InlineArray_nint_20x20));
    }
}
