// The native library every extern in Mtcp binds to.
namespace Mos.Native;

/// <summary>Name of the native library of the bindings.</summary>
/// <remarks>
/// <c>DllImport("mtcp")</c> resolves to <c>libmtcp.so</c> next to the application under
/// the JIT (the runtime tries the <c>lib</c> prefix and <c>.so</c> suffix), and links
/// statically under NativeAOT with <c>&lt;DirectPInvoke Include="mtcp" /&gt;</c> and
/// <c>&lt;NativeLibrary Include="…/libmtcp.a" /&gt;</c>. No resolver is needed.
/// </remarks>
public static class Lib
{
    public const string Name = "mtcp";
}
