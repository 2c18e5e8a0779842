using System.Runtime.InteropServices;
using System.Text;

namespace Mos;

/// <summary>UTF-8 conversions at the native boundary.</summary>
internal static unsafe class NativeText
{
    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/>.</summary>
    public static byte[] Utf8Z(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        var bytes = new byte[n + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <summary>The native string at <paramref name="p"/>, or null.</summary>
    public static string? FromUtf8(byte* p) => p == null ? null : Marshal.PtrToStringUTF8((nint)p);
}
