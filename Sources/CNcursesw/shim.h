// System library CNcursesw: ncursesw (Debian libncursesw5-dev), found with pkg-config.
// Macros Swift cannot import are wrapped as static inline functions here.
#pragma once
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline int vstack_color_pair(int n) { return COLOR_PAIR(n); }
static inline int vstack_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int vstack_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int vstack_key_resize(void) { return KEY_RESIZE; }
static inline int vstack_key_mouse(void) { return KEY_MOUSE; }
static inline chtype vstack_a_reverse(void) { return A_REVERSE; }
static inline chtype vstack_a_bold(void) { return A_BOLD; }
static inline chtype vstack_a_dim(void) { return A_DIM; }
static inline WINDOW *vstack_stdscr(void) { return stdscr; }
static inline mmask_t vstack_all_mouse_events(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline mmask_t vstack_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t vstack_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t vstack_wheel_up(void) { return BUTTON4_PRESSED; }
static inline mmask_t vstack_wheel_down(void) { return BUTTON5_PRESSED; }
static inline mmask_t vstack_mouse_moved(void) { return REPORT_MOUSE_POSITION; }
