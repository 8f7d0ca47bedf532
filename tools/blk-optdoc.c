// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk-optdoc: writes the documentation of blkengine's job options from the
 * table the module registers with fio (blk_fio_options[], common/options.c,
 * compiled here against the same fio headers), so the man page and the
 * README cannot drift from what fio parses.
 *
 *   blk-optdoc man TEMPLATE     blkengine(7): TEMPLATE with the line
 *                               "@OPTIONS@" replaced by the options in troff,
 *                               @VERSION@ and @FIO_VERSION@ substituted
 *   blk-optdoc markdown         the README's option table
 *   blk-optdoc readme README    README with the table between its markers
 *                               (BEGIN_MARK and END_MARK lines) regenerated
 *
 * Everything goes to standard output; errors name the file and exit 1.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fio.h"

#include "options.h"

#define BEGIN_MARK	"<!-- blk-optdoc begin: generated from common/options.c by 'make readme-options'; do not edit -->"
#define END_MARK	"<!-- blk-optdoc end -->"

/* options.c logs through fio; outside fio there is nothing to log. */
ssize_t log_err(const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vfprintf(stderr, format, ap);
	va_end(ap);
	return n;
}

static const struct blk_option_doc *doc_of(const struct fio_option *o)
{
	const struct blk_option_doc *d;

	for (d = blk_option_docs; d->name; d++)
		if (!strcmp(d->name, o->name))
			return d;
	return NULL;
}

/*
 * Every blk_option_docs[] entry must name an option of the table: a stale
 * or misspelt entry would document nothing. An option without an entry is
 * accepted by fio for every kind, so it is documented that way, with a
 * warning to add its entry.
 */
static int check_docs(void)
{
	const struct blk_option_doc *d;
	const struct fio_option *o;
	int bad = 0;

	for (d = blk_option_docs; d->name; d++) {
		for (o = blk_fio_options; o->name; o++)
			if (!strcmp(d->name, o->name))
				break;
		if (!o->name) {
			fprintf(stderr, "blk-optdoc: common/options.c: blk_option_docs[] names '%s', which is not in blk_fio_options[]; remove or rename the entry\n",
				d->name);
			bad = 1;
		}
	}
	for (o = blk_fio_options; o->name; o++)
		if (!doc_of(o))
			fprintf(stderr, "blk-optdoc: warning: common/options.c: option '%s' has no entry in blk_option_docs[]; documented as taken by every engine kind\n",
				o->name);
	return bad;
}

static unsigned int kinds_of(const struct fio_option *o)
{
	const struct blk_option_doc *d = doc_of(o);

	return d ? d->kinds : BLK_KINDS_ALL;
}

static const char *note_of(const struct fio_option *o)
{
	const struct blk_option_doc *d = doc_of(o);

	return d ? d->note : NULL;
}

/* "all", "virtio-blk" (both transports) or the kinds' names, comma separated. */
static void kinds_text(unsigned int kinds, char *buf, size_t len)
{
	unsigned int k;

	buf[0] = '\0';
	if ((kinds & BLK_KINDS_ALL) == BLK_KINDS_ALL) {
		snprintf(buf, len, "all");
		return;
	}
	if ((kinds & BLK_KINDS_VIRTIO) == BLK_KINDS_VIRTIO) {
		if (kinds & BLK_KINDS_NVME)
			snprintf(buf, len, "%s, virtio-blk", blk_kind_name(BLK_KIND_NVME_URING));
		else
			snprintf(buf, len, "virtio-blk");
		return;
	}
	for (k = BLK_KIND_AUTO + 1; k < BLK_KIND_NR; k++) {
		if (!(kinds & (1u << k)))
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 buf[0] ? ", " : "", blk_kind_name(k));
	}
}

static int nr_posval(const struct fio_option *o)
{
	int n = 0;

	while (n < PARSE_MAX_VP && o->posval[n].ival)
		n++;
	return n;
}

/* What follows "name" in a job file: "=auto|...", "=N", "[=0|1]"... */
static void syntax_text(const struct fio_option *o, char *buf, size_t len)
{
	int i, n = nr_posval(o);

	if (n) {
		buf[0] = '\0';
		for (i = 0; i < n; i++)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 i ? "|" : "=", o->posval[i].ival);
		return;
	}
	switch (o->type) {
	case FIO_OPT_STR_SET:
		snprintf(buf, len, "[=0|1]");
		break;
	case FIO_OPT_BOOL:
		snprintf(buf, len, "=0|1");
		break;
	case FIO_OPT_INT:
	case FIO_OPT_ULL:
	case FIO_OPT_STR_ULL:
		snprintf(buf, len, "=N");
		break;
	case FIO_OPT_STR_VAL:
		snprintf(buf, len, (o->is_time || o->is_seconds) ? "=TIME" : "=SIZE");
		break;
	case FIO_OPT_STR_VAL_TIME:
		snprintf(buf, len, "=TIME");
		break;
	default:
		snprintf(buf, len, "=STR");
		break;
	}
}

/* fio prints "no default" for these; the documents say "unset". */
static const char *default_text(const struct fio_option *o)
{
	return o->def ? o->def : "unset";
}

static int has_range(const struct fio_option *o)
{
	return o->maxval != 0;
}

/*
 * troff text: backslashes and minus signs escaped, no control character at
 * the start of a line, and a break point after each '|' so that a long list
 * of values wraps on a narrow terminal.
 */
static void troff_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else if (*s == '|')
			fputs("|\\:", stdout);
		else
			putchar(*s);
	}
}

static void troff_options(void)
{
	const struct fio_option *o;
	char syntax[512], kinds[128];
	int i;

	for (o = blk_fio_options; o->name; o++) {
		syntax_text(o, syntax, sizeof(syntax));
		kinds_text(kinds_of(o), kinds, sizeof(kinds));
		fputs(".PP\n\\fB", stdout);
		troff_text(o->name);
		fputs("\\fR", stdout);
		troff_text(syntax);
		fputs("\n.RS\n", stdout);
		troff_text(o->help ? o->help : "");
		fputs("\n.br\nEngines: ", stdout);
		troff_text(kinds);
		fputs(". Default: ", stdout);
		troff_text(default_text(o));
		fputs(".", stdout);
		if (has_range(o))
			printf(" Range: %d to %llu.", o->minval, o->maxval);
		fputs("\n", stdout);
		if (note_of(o)) {
			fputs(".br\n", stdout);
			troff_text(note_of(o));
			fputs("\n", stdout);
		}
		for (i = 0; i < nr_posval(o); i++) {
			fputs(".br\n\\fI", stdout);
			troff_text(o->posval[i].ival);
			fputs("\\fR: ", stdout);
			troff_text(o->posval[i].help ? o->posval[i].help : "");
			fputs("\n", stdout);
		}
		fputs(".RE\n", stdout);
	}
}

/* Markdown table cell text: a '|' would end the cell. */
static void md_text(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s);
	}
}

static void markdown_options(void)
{
	const struct fio_option *o;
	char syntax[512], kinds[128];
	int i;

	puts("| option | engines | default | meaning |");
	puts("| --- | --- | --- | --- |");
	for (o = blk_fio_options; o->name; o++) {
		syntax_text(o, syntax, sizeof(syntax));
		kinds_text(kinds_of(o), kinds, sizeof(kinds));
		fputs("| `", stdout);
		md_text(o->name);
		md_text(syntax);
		fputs("` | ", stdout);
		md_text(kinds);
		fputs(" | ", stdout);
		if (o->def) {
			fputs("`", stdout);
			md_text(o->def);
			fputs("`", stdout);
		} else {
			fputs(default_text(o), stdout);
		}
		fputs(" | ", stdout);
		md_text(o->help ? o->help : "");
		if (has_range(o))
			printf(". Range: %d to %llu", o->minval, o->maxval);
		for (i = 0; i < nr_posval(o); i++) {
			fputs(i ? "; `" : ". `", stdout);
			md_text(o->posval[i].ival);
			fputs("`: ", stdout);
			md_text(o->posval[i].help ? o->posval[i].help : "");
		}
		if (note_of(o)) {
			fputs(". ", stdout);
			md_text(note_of(o));
		}
		fputs(" |\n", stdout);
	}
}

static FILE *open_input(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f)
		fprintf(stderr, "blk-optdoc: %s: %s\n", path, strerror(errno));
	return f;
}

/* Copies the template, with the options where the line "@OPTIONS@" is. */
static int man_page(const char *template)
{
	char line[4096], *at;
	int done = 0;
	FILE *f;

	f = open_input(template);
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "@OPTIONS@\n")) {
			troff_options();
			done = 1;
			continue;
		}
		for (at = line; *at; ) {
			if (!strncmp(at, "@VERSION@", 9)) {
				fputs(PACKAGE_VERSION, stdout);
				at += 9;
			} else if (!strncmp(at, "@FIO_VERSION@", 13)) {
				fputs(BLK_FIO_VERSION, stdout);
				at += 13;
			} else {
				putchar(*at++);
			}
		}
	}
	fclose(f);
	if (!done) {
		fprintf(stderr, "blk-optdoc: %s: no line '@OPTIONS@' to put the options at\n", template);
		return 1;
	}
	return 0;
}

/* Copies README, with the lines between the markers regenerated. */
static int readme(const char *path)
{
	char line[8192];
	int state = 0;		/* 0 before the block, 1 in it, 2 after it */
	FILE *f;

	f = open_input(path);
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (state == 0 && !strcmp(line, BEGIN_MARK)) {
			puts(line);
			markdown_options();
			state = 1;
		} else if (state == 1 && !strcmp(line, END_MARK)) {
			puts(line);
			state = 2;
		} else if (state != 1) {
			puts(line);
		}
	}
	fclose(f);
	if (state != 2) {
		fprintf(stderr, "blk-optdoc: %s: no %s line%s; put the two marker lines where the option table goes:\n%s\n%s\n",
			path, state == 0 ? "begin" : "end", state == 0 ? "" : " after the begin line",
			BEGIN_MARK, END_MARK);
		return 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: blk-optdoc man TEMPLATE | markdown | readme README.md\n");
	return 2;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc < 2)
		return usage();
	if (check_docs())
		return 1;
	if (!strcmp(argv[1], "man") && argc == 3)
		ret = man_page(argv[2]);
	else if (!strcmp(argv[1], "markdown") && argc == 2)
		ret = (markdown_options(), 0);
	else if (!strcmp(argv[1], "readme") && argc == 3)
		ret = readme(argv[2]);
	else
		return usage();
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "blk-optdoc: writing the output: %s\n", strerror(errno));
		return 1;
	}
	return ret;
}
