// Handwritten part of the generated Mtcp class: documentation only.
namespace Mos.Native;

/// <summary>
/// Raw bindings of the public C API (mtcp_api.h, mtcp_epoll.h, mos_api.h, mtcp_util.h,
/// mos_ext.h): every function as a blittable <c>extern</c>, every enumerator and object-like
/// macro as a constant under its exact C name (<c>Mtcp.MOS_ON_PKT_IN</c>).
/// </summary>
/// <remarks>
/// Functions report failure the C way (-1 or NULL); each extern is declared with
/// <c>SetLastError = true</c>, so <see cref="System.Runtime.InteropServices.Marshal.GetLastPInvokeError"/>
/// returns the errno of the call. C <c>bool</c> is <c>byte</c>, <c>char*</c> is <c>byte*</c>,
/// callbacks are <c>delegate* unmanaged[Cdecl]&lt;…&gt;</c> (see <see cref="Typedefs"/>).
/// </remarks>
public static unsafe partial class Mtcp
{
}

/// <summary>
/// The C typedefs of the public headers and the C# type each one maps to (C# cannot alias
/// a type for other assemblies, so signatures spell the mapped type inline).
/// </summary>
public static partial class Typedefs
{
}
