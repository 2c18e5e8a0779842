using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mos.Native;

namespace Mos;

/// <summary>Severity of a configuration diagnostic.</summary>
public enum DiagnosticSeverity
{
    Error = Mtcp.MOS_DIAG_ERROR,
    Warning = Mtcp.MOS_DIAG_WARNING,
}

/// <summary>One problem found in a configuration file. Line and column are 1-based; 0
/// when the problem concerns the whole file.</summary>
public sealed record Diagnostic(string File, int Line, int Column, DiagnosticSeverity Severity, string Message)
{
    /// <summary><c>FILE:LINE:COL: message</c> (errors) or <c>FILE:LINE:COL: warning: message</c>.</summary>
    public override string ToString()
    {
        string where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        string kind = Severity == DiagnosticSeverity.Warning ? "warning: " : "";
        return $"{where}: {kind}{Message}";
    }
}

/// <summary>Output formats of <see cref="Configuration.Render"/>.</summary>
public enum ConfigFormat
{
    Conf = Mtcp.MOS_CONFIG_FORMAT_CONF,
    Json = Mtcp.MOS_CONFIG_FORMAT_JSON,
}

/// <summary>Result of loading a configuration: the configuration when it is valid, and
/// every diagnostic (errors and warnings) either way.</summary>
public sealed record ConfigLoadResult(Configuration? Config, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Ok => Config is not null;
}

/// <summary>A parsed, validated mos.conf (the native parser shared with mtcp_init).</summary>
public sealed unsafe class Configuration : IDisposable
{
    private readonly ConfigHandle _handle;

    private Configuration(ConfigHandle handle) => _handle = handle;

    /// <summary>Loads and validates the file at <paramref name="path"/>.</summary>
    public static ConfigLoadResult Load(string path)
    {
        byte[] p = NativeText.Utf8Z(path);
        using var scope = new DiagnosticScope();
        mos_config* cfg = null;
        int rc;
        fixed (byte* pp = p)
            rc = Mtcp.mos_config_load(pp, &DiagnosticSink.OnDiagnostic, scope.User, &cfg);
        return Finish("mos_config_load", rc, cfg, scope.Sink);
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="name"/> names it in diagnostics.</summary>
    public static ConfigLoadResult Parse(string text, string name)
    {
        byte[] t = NativeText.Utf8Z(text);
        byte[] n = NativeText.Utf8Z(name);
        using var scope = new DiagnosticScope();
        mos_config* cfg = null;
        int rc;
        fixed (byte* pt = t)
        fixed (byte* pn = n)
            rc = Mtcp.mos_config_parse(pt, (nuint)(t.Length - 1), pn, &DiagnosticSink.OnDiagnostic, scope.User, &cfg);
        return Finish("mos_config_parse", rc, cfg, scope.Sink);
    }

    /// <summary>The effective configuration (defaults filled in) as text.</summary>
    public string Render(ConfigFormat format)
    {
        nint need = Mtcp.mos_config_render(_handle.Pointer, (int)format, null, 0);
        if (need < 0)
            throw MosException.FromLastError("mos_config_render");
        var buf = new byte[need + 1];
        fixed (byte* pb = buf)
        {
            if (Mtcp.mos_config_render(_handle.Pointer, (int)format, pb, (nuint)buf.Length) < 0)
                throw MosException.FromLastError("mos_config_render");
        }
        return System.Text.Encoding.UTF8.GetString(buf, 0, (int)need);
    }

    /// <summary>Overrides one key (for example <c>max_concurrency</c> or
    /// <c>application.0.run</c>). Returns the diagnostics; on error nothing changes.</summary>
    public IReadOnlyList<Diagnostic> Set(string key, string value)
    {
        byte[] k = NativeText.Utf8Z(key);
        byte[] v = NativeText.Utf8Z(value);
        using var scope = new DiagnosticScope();
        fixed (byte* pk = k)
        fixed (byte* pv = v)
            Mtcp.mos_config_set(_handle.Pointer, pk, pv, &DiagnosticSink.OnDiagnostic, scope.User);
        return scope.Sink.Items;
    }

    /// <summary>The native configuration, for calls that take it (valid while this object lives).</summary>
    internal mos_config* Pointer => _handle.Pointer;

    /// <summary>The netdev names, in port order.</summary>
    public IReadOnlyList<string> PortNames
    {
        get
        {
            using var doc = System.Text.Json.JsonDocument.Parse(Render(ConfigFormat.Json));
            return doc.RootElement.GetProperty("mos").GetProperty("netdev").EnumerateArray()
                .Select(n => n.GetProperty("name").GetString() ?? "").ToList();
        }
    }

    /// <summary>Number of cores (contexts) the configuration starts.</summary>
    public int Cores
    {
        get
        {
            using var doc = System.Text.Json.JsonDocument.Parse(Render(ConfigFormat.Json));
            return doc.RootElement.GetProperty("derived").GetProperty("num_cores").GetInt32();
        }
    }

    public void Dispose() => _handle.Dispose();

    private static ConfigLoadResult Finish(string function, int rc, mos_config* cfg, DiagnosticSink sink)
    {
        if (rc == 0)
            return new ConfigLoadResult(new Configuration(new ConfigHandle(cfg)), sink.Items);
        int errno = Marshal.GetLastPInvokeError();
        if (sink.Items.Count == 0) // the native side always reports; keep the errno if not
            sink.Items.Add(new Diagnostic("", 0, 0, DiagnosticSeverity.Error, new MosException(function, errno).Message));
        return new ConfigLoadResult(null, sink.Items);
    }

    /// <summary>Keeps a sink alive and addressable from native code for one call.</summary>
    private readonly struct DiagnosticScope : IDisposable
    {
        private readonly GCHandle _gch;

        public DiagnosticScope()
        {
            Sink = new DiagnosticSink();
            _gch = GCHandle.Alloc(Sink);
        }

        public DiagnosticSink Sink { get; }

        public void* User => (void*)GCHandle.ToIntPtr(_gch);

        public void Dispose() => _gch.Free();
    }

    /// <summary>Collects diagnostics from the native parser. The callback runs on the
    /// calling thread, before the native call returns; it never throws into C.</summary>
    private sealed class DiagnosticSink
    {
        public List<Diagnostic> Items { get; } = new();

        [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
        public static void OnDiagnostic(void* user, mos_diag* d)
        {
            try
            {
                var sink = (DiagnosticSink)GCHandle.FromIntPtr((nint)user).Target!;
                sink.Items.Add(new Diagnostic(
                    NativeText.FromUtf8(d->file) ?? "", d->line, d->col,
                    (DiagnosticSeverity)d->severity, NativeText.FromUtf8(d->message) ?? ""));
            }
            catch (Exception)
            {
                // Nothing may cross into native code; a lost diagnostic is still an
                // error reported by the return value.
            }
        }
    }

    private sealed class ConfigHandle : SafeHandle
    {
        public ConfigHandle(mos_config* p) : base(0, ownsHandle: true) => SetHandle((nint)p);

        public mos_config* Pointer => (mos_config*)handle;

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            Mtcp.mos_config_free((mos_config*)handle);
            return true;
        }
    }
}
