// Calls into libmtcp.so through the bindings: functions that work in the foundation,
// errno through SetLastError, and the API status table against the generated externs.
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Mos.Native.Tests;

public unsafe class RuntimeSmokeTests
{
    private const int EINVAL = 22;

    private static void RequireLibrary()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "libmtcp.so");
        Assert.True(File.Exists(path), $"{path} is missing: {TestEnvironment.NativeBuildHint}");
    }

    private static string? Str(byte* p) => Marshal.PtrToStringUTF8((nint)p);

    [Fact]
    public void mos_version_is_0_1_0()
    {
        RequireLibrary();
        Assert.Equal("0.1.0", Str(Mtcp.mos_version()));
        Assert.Equal("0.1.0", $"{Mtcp.MOS_NG_VERSION_MAJOR}.{Mtcp.MOS_NG_VERSION_MINOR}.{Mtcp.MOS_NG_VERSION_PATCH}");
    }

    [Fact]
    public void EventToString_names_MOS_EPOLLIN()
    {
        RequireLibrary();
        Assert.Equal("MOS_EPOLLIN", Str(Mtcp.EventToString(Mtcp.MOS_EPOLLIN)));
    }

    [Fact]
    public void errno_of_a_failing_call_reaches_managed_code()
    {
        RequireLibrary();
        Marshal.SetLastPInvokeError(0);
        Assert.Equal(-1, Mtcp.mtcp_getconf(null));
        Assert.Equal(EINVAL, Marshal.GetLastPInvokeError());
    }

    [Fact]
    public void mtcp_getconf_fills_the_struct_through_the_generated_layout()
    {
        RequireLibrary();
        mtcp_conf conf = default;
        conf.num_app = -7;
        Assert.Equal(0, Mtcp.mtcp_getconf(&conf));
        Assert.True(conf.max_concurrency > 0, $"max_concurrency {conf.max_concurrency}");
        Assert.InRange(conf.num_app, 0, Mtcp.MOS_APP);
    }

    [Fact]
    public void xxhash_matches_the_published_empty_input_vectors()
    {
        RequireLibrary();
        Assert.Equal(0x02CC5D05u, Mtcp.XXH32(null, 0, 0));
        Assert.Equal(0xEF46DB3751D8E999ul, Mtcp.XXH64(null, 0, 0));
    }

    [Fact]
    public void StrToArgs_splits_a_quoted_command_line()
    {
        RequireLibrary();
        byte[] line = Encoding.UTF8.GetBytes("epserver -f 'my file.conf'\0");
        byte** argv = stackalloc byte*[8];
        int argc = 0;
        fixed (byte* p = line)
        {
            Assert.Equal(0, Mtcp.StrToArgs(p, &argc, argv, 8));
            Assert.Equal(3, argc);
            Assert.Equal("my file.conf", Str(argv[2]));
        }
    }

    [Fact]
    public void status_table_has_one_row_per_generated_extern_with_its_header()
    {
        RequireLibrary();
        int count;
        mos_api_status* rows = Mtcp.mos_api_status_table(&count);
        Assert.True(rows != null && count > 0, "empty status table");
        var table = new List<string>();
        var problems = new List<string>();
        for (int i = 0; i < count; i++)
        {
            table.Add($"{Str(rows[i].name)} ({Str(rows[i].header)})");
            if (rows[i].state is < Mtcp.MOS_API_NOT_YET or > Mtcp.MOS_API_WORKS)
                problems.Add($"{Str(rows[i].name)}: state {rows[i].state}");
        }
        var declared = GeneratorFixture.Model.Headers
            .SelectMany(h => h.Of<Mos.Bindings.Generator.Model.CFunction>().Select(f => $"{f.Name} ({h.FileName})")).ToList();
        var externs = Reflected.Externs().Keys.ToHashSet(StringComparer.Ordinal);
        problems.AddRange(declared.Except(table).Select(r => "declared but no status row: " + r));
        problems.AddRange(table.Except(declared).Select(r => "status row but not declared: " + r));
        problems.AddRange(table.Where(r => !externs.Contains(r[..r.IndexOf(' ')])).Select(r => "status row without extern: " + r));
        problems.AddRange(table.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => "duplicate status row: " + g.Key));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
