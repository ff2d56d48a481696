"""Repository rules that make the build fully offline against Debian's packages.

- `patched_rules_cc`: copies Debian's rules_cc and makes it load under Bazel 4
  (`use_cpp_toolchain()` does not exist there).
- `coverage_tools_stub`: an empty `@remote_coverage_tools` so `bazel test` never downloads.
- `pkg_config_library`: a cc_library for a system library, flags from pkg-config.
"""

def _patched_rules_cc_impl(ctx):
    src = ctx.path(ctx.attr.path)
    ctx.execute(["cp", "-r", str(src) + "/.", "."])
    res = ctx.execute([
        "sh",
        "-c",
        "grep -rl 'use_cpp_toolchain' . | xargs -r sed -i " +
        "-e 's|, \"use_cpp_toolchain\"||' " +
        "-e 's|use_cpp_toolchain()|[\"@bazel_tools//tools/cpp:toolchain_type\"]|g'",
    ])
    if res.return_code != 0:
        fail("patching rules_cc failed: " + res.stderr)

patched_rules_cc = repository_rule(
    implementation = _patched_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)

def _coverage_tools_stub_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"remote_coverage_tools\")\n")
    ctx.file("Main.sh", "#!/bin/sh\nexit 0\n", executable = True)
    ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])
sh_binary(name = "Main", srcs = ["Main.sh"])
filegroup(name = "coverage_report_generator", srcs = ["Main.sh"])
filegroup(name = "lcov_merger", srcs = ["Main.sh"])
""")

coverage_tools_stub = repository_rule(implementation = _coverage_tools_stub_impl)

def _pkg_config_library_impl(ctx):
    modules = ctx.attr.modules
    res = ctx.execute(["pkg-config", "--libs"] + modules)
    if res.return_code != 0:
        fail("pkg-config --libs %s failed (install the -dev package): %s" % (modules, res.stderr))
    linkopts = res.stdout.strip().split(" ") + ctx.attr.extra_linkopts
    res = ctx.execute(["pkg-config", "--cflags"] + modules)
    if res.return_code != 0:
        fail("pkg-config --cflags %s failed: %s" % (modules, res.stderr))
    copts = []
    for flag in res.stdout.strip().split(" "):
        if flag.startswith("-I"):
            # System include dirs are builtin for the autoconfigured toolchain.
            copts.append("-isystem" + flag[2:])
        elif flag:
            copts.append(flag)
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "lib",
    copts = {copts},
    linkopts = {linkopts},
)
""".format(copts = repr(copts), linkopts = repr([l for l in linkopts if l])))

pkg_config_library = repository_rule(
    implementation = _pkg_config_library_impl,
    attrs = {
        "modules": attr.string_list(mandatory = True),
        "extra_linkopts": attr.string_list(),
    },
    local = True,
)

def _plain_system_library_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])
cc_library(name = "lib", linkopts = {linkopts})
""".format(linkopts = repr(ctx.attr.linkopts)))

plain_system_library = repository_rule(
    implementation = _plain_system_library_impl,
    attrs = {"linkopts": attr.string_list()},
    local = True,
)
