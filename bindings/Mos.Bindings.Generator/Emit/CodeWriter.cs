// Text output with indentation, LF line ends and exactly one trailing newline.
using System.Text;

namespace Mos.Bindings.Generator.Emit;

internal sealed class CodeWriter(string indentUnit = "    ")
{
    private readonly StringBuilder sb = new();
    private int depth;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            for (int i = 0; i < depth; i++)
                sb.Append(indentUnit);
            sb.Append(text);
        }
        sb.Append('\n');
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        depth++;
    }

    public void Close(string closer = "}")
    {
        depth--;
        Line(closer);
    }

    /// <summary>The text with trailing blank lines collapsed to one final newline.</summary>
    public override string ToString() => sb.ToString().TrimEnd('\n') + "\n";
}
