package dev.weft.spring;

import dev.weft.jobs.JobContext;
import dev.weft.jobs.JobOutcome;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Finds the job handlers among an application's beans: {@link dev.weft.jobs.JobHandler} beans (kind
 * and queue from {@link JobHandler} on the class, else the bean name and {@code "default"}) and
 * bean methods annotated with {@link JobHandler}. Stateless.
 */
final class HandlerMethods {

  /** One handler found: its queue, its kind, where it came from, and the handler. */
  record Found(String queue, String kind, String source, dev.weft.jobs.JobHandler handler) {}

  private HandlerMethods() {}

  static List<Found> find(ApplicationContext context) {
    List<Found> out = new ArrayList<>();
    for (Map.Entry<String, dev.weft.jobs.JobHandler> e :
        context.getBeansOfType(dev.weft.jobs.JobHandler.class).entrySet()) {
      Class<?> type = ClassUtils.getUserClass(e.getValue());
      JobHandler a = AnnotatedElementUtils.findMergedAnnotation(type, JobHandler.class);
      out.add(
          new Found(
              a == null ? "default" : a.queue(),
              a == null ? e.getKey() : a.value(),
              "bean '" + e.getKey() + "'",
              e.getValue()));
    }
    for (String name : context.getBeanDefinitionNames()) {
      Class<?> type = context.getType(name, false);
      if (type == null) {
        continue;
      }
      Class<?> user = ClassUtils.getUserClass(type);
      Map<Method, JobHandler> methods =
          MethodIntrospector.selectMethods(
              user,
              (MethodIntrospector.MetadataLookup<JobHandler>)
                  m -> AnnotatedElementUtils.findMergedAnnotation(m, JobHandler.class));
      for (Map.Entry<Method, JobHandler> m : methods.entrySet()) {
        Object bean = context.getBean(name);
        Method method = AopUtils.selectInvocableMethod(m.getKey(), bean.getClass());
        out.add(
            new Found(
                m.getValue().queue(),
                m.getValue().value(),
                user.getName() + "." + method.getName(),
                adapt(bean, method)));
      }
    }
    return out;
  }

  /**
   * {@return a handler calling {@code method} on {@code bean}}
   *
   * @throws IllegalStateException if the method's parameters are not (payload), (JobContext) or
   *     (payload, JobContext)
   */
  static dev.weft.jobs.JobHandler adapt(Object bean, Method method) {
    Class<?>[] params = method.getParameterTypes();
    boolean ok = params.length == 1 || (params.length == 2 && params[1] == JobContext.class);
    if (!ok) {
      throw new IllegalStateException(
          "@JobHandler method "
              + method.getDeclaringClass().getName()
              + "."
              + method.getName()
              + " must take (payload), (JobContext) or (payload, JobContext), took "
              + List.of(params).stream().map(Class::getSimpleName).toList());
    }
    method.setAccessible(true);
    return ctx -> {
      Object[] args = new Object[params.length];
      args[0] = params[0] == JobContext.class ? ctx : ctx.payload(params[0]);
      if (params.length == 2) {
        args[1] = ctx;
      }
      Object result;
      try {
        result = method.invoke(bean, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw e;
      }
      return result instanceof JobOutcome o ? o : JobOutcome.success();
    };
  }
}
