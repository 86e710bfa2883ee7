package generate

import (
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/internal/model"
)

func TestTreeFile(t *testing.T) {
	pkgs := []*model.Package{
		{Name: "tools", Path: "example.com/m/tools", Dir: "/m/tools"},
		{Name: "a", Path: "example.com/m/tools/a", Dir: "/m/tools/a"},
		{Name: "refunds", Path: "example.com/m/tools/billing/refunds", Dir: "/m/tools/billing/refunds"},
	}
	src, err := treeFile("/m/tools", "tools", pkgs, true)
	if err != nil {
		t.Fatal(err)
	}
	got := string(src)
	for _, want := range []string{
		"package tools\n",
		"func Providers() []runtime.Provider {\n\treturn []runtime.Provider{\n\t\tComponents(),\n\t\truntime.WithTransforms(a.Components(), transform.Namespace(\"a\")),\n\t\truntime.WithTransforms(refunds.Components(), transform.Namespace(\"billing_refunds\")),\n\t}\n}",
		"//   - billing/refunds (namespace billing_refunds)",
		"func Mount(srv *runtime.Server) error {",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("registry lacks %q:\n%s", want, got)
		}
	}
	flat, _ := treeFile("/m/tools", "tools", pkgs[1:], false)
	if strings.Contains(string(flat), "transform") || !strings.Contains(string(flat), "refunds.Components()") {
		t.Errorf("without namespaces:\n%s", flat)
	}
}
